import winston from "winston";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** The logger every part of the collector writes to: winston, JSON lines on stderr. */
export type Logger = winston.Logger;

export function createLogger(level: LogLevel = "info"): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: "heat-collector" },
    transports: [new winston.transports.Console({ stderrLevels: ["error", "warn", "info", "debug"] })],
  });
}
