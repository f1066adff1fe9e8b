// How a run's outputs name its cost profile: the profile's name, with the file after it for a
// user's profile. A copy of src/model/costs/bhyve.json keeps the name `bhyve`, and its rows
// must not pass for the built-in's (docs/formats/cost-profile.md).

/** `name`, or `name (file)` for a user's file; `quote` goes around the name. */
export function profileLabel(p: { name: string; origin: string }, quote = ""): string {
  return `${quote}${p.name}${quote}${p.origin === "builtin" ? "" : ` (${p.origin})`}`;
}
