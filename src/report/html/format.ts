// Escaping and number formatting for the HTML report (one place, so no section forgets to escape).

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for an HTML element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const SIGNIFICANT = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 });
const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** A figure for a table cell: 4 significant digits, integers with thousands separators. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) || Math.abs(v) >= 1000) return INTEGER.format(v);
  return SIGNIFICANT.format(v);
}

/** A fraction as a percentage (0.125 -> "12.5 %"). */
export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** "64 B" for a frame size in bytes, the name itself for a mix ("imix"). */
export function formatSize(size: number | string): string {
  return typeof size === "number" ? `${size} B` : size;
}

/** A case's size as asked and, where --encap or --proto raised its frames, what ran: "64 B ->
 *  112 B" (the line rate and the Gbit/s figures are the 112-byte frames'). */
export function formatRunSize(p: { size: number | string; frame_bytes?: number }): string {
  return typeof p.size === "number" && p.frame_bytes !== undefined && p.frame_bytes !== p.size
    ? `${p.size} B → ${p.frame_bytes} B`
    : formatSize(p.size);
}

/** A stable id fragment for anchors and chart ids ("vm-vf 64 B" -> "vm-vf-64-b"). */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "x"
  );
}
