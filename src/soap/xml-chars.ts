/** The characters the XML parser (xml.ts) tells apart, and the XML 1.0 character classes it needs. */
export enum C {
  TAB = 9,
  LF = 10,
  CR = 13,
  SPACE = 32,
  QUOT = 34,
  AMP = 38,
  APOS = 39,
  DASH = 45,
  DOT = 46,
  SLASH = 47,
  ZERO = 48,
  NINE = 57,
  COLON = 58,
  LT = 60,
  EQ = 61,
  GT = 62,
  QUESTION = 63,
  UPPER_A = 65,
  UPPER_Z = 90,
  UNDERSCORE = 95,
  LOWER_A = 97,
  LOWER_X = 120,
  LOWER_Z = 122,
  MIDDLE_DOT = 0xb7,
}

export const isSpace = (c: number) => c === C.SPACE || c === C.LF || c === C.TAB || c === C.CR;
/** XML 1.0 NameStartChar: ASCII letters, '_' and ':' exactly; every non-ASCII letter range is accepted broadly. */
export const isNameStart = (c: number) =>
  (c >= C.LOWER_A && c <= C.LOWER_Z) ||
  (c >= C.UPPER_A && c <= C.UPPER_Z) ||
  c === C.UNDERSCORE ||
  c === C.COLON ||
  (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
export const isNameChar = (c: number) =>
  isNameStart(c) || (c >= C.ZERO && c <= C.NINE) || c === C.DASH || c === C.DOT || c === C.MIDDLE_DOT;

/** ASCII characters by class, for the parser's name scan: 2 a NameStartChar, 1 another NameChar, 0 neither. */
export const NAME_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) NAME_CLASS[c] = isNameStart(c) ? 2 : isNameChar(c) ? 1 : 0;
