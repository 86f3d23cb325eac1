// Colours come from other users' documents: only `#rrggbb` is ever handed to a
// canvas or written into SVG, so no other string reaches a style or attribute.

const HEX = /^#[0-9a-fA-F]{6}$/

/** `c` if it is a `#rrggbb` colour, else `fallback`. */
export function safeColor(c: string | undefined, fallback: string): string {
  return c !== undefined && HEX.test(c) ? c : fallback
}

/** `c` if it is a `#rrggbb` colour, else undefined (no fill). */
export function safeFill(c: string | undefined): string | undefined {
  return c !== undefined && HEX.test(c) ? c : undefined
}
