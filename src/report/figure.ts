// Figures as a report writes them (CSV cells, JSON numbers): a ratio of two exact counts such as
// frames / window comes out of binary floating point one unit in the last place off its decimal
// value (8000 frames in 4.308 ms: 1.8569900000000001 Mpps beside an NDR of 1.85699). Fifteen
// significant digits (DBL_DIG, what a double holds exactly in decimal) drop that noise and keep
// every digit the figure carries; integers (counts) pass unchanged whatever their size.

/** `x` at 15 significant digits; integers and non-finite values unchanged. */
export function reportFigure(x: number): number {
  return Number.isInteger(x) || !Number.isFinite(x) ? x : Number(x.toPrecision(15));
}

/** A JSON.stringify replacer that writes every number as reportFigure does. */
export function figureReplacer(_key: string, v: unknown): unknown {
  return typeof v === "number" ? reportFigure(v) : v;
}
