// The main log's line format, `2026-11-21 12:00:00,123 INFO message`, in local time as 4.2.5 writes it.

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatAsctime(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())},` +
    pad(date.getMilliseconds(), 3)
  );
}

export function formatLogLine(date: Date, levelCode: string, message: string): string {
  return `${formatAsctime(date)} ${levelCode} ${message}\n`;
}
