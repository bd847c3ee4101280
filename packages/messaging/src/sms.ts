/**
 * SMS length and segment counting (3GPP TS 23.038 / 23.040).
 *
 * A text that uses only the GSM 7-bit default alphabet (and its extension table) is sent as
 * GSM-7: 160 septets fit one SMS; a longer text is split into parts of 153 septets (7 go to the
 * concatenation header). Characters of the extension table (`^ { } \ [ ~ ] | €` and form feed)
 * take two septets (escape + character), and a part never splits such a pair.
 * Any other character forces UCS-2 for the whole text: 70 UTF-16 code units fit one SMS, longer
 * texts are split into parts of 67, never splitting a surrogate pair.
 */

/** The GSM 03.38 default alphabet (the escape character 0x1B excluded). */
const basicCharacters =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The GSM 03.38 extension table: each costs two septets. */
const extensionCharacters = '\f^{}\\[~]|€';

const basic = new Set(basicCharacters);
const extension = new Set(extensionCharacters);

/** How an SMS text is encoded on the air. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** The facts about one SMS text. */
export interface SmsInfo {
  encoding: SmsEncoding;
  /** Characters as a person counts them (Unicode code points). */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
  /** How many SMS parts the text is sent as (0 for an empty text). */
  segments: number;
  /** Units left in the last part before another part is needed. */
  remainingInSegment: number;
  /** For UCS-2: the characters that are not in the GSM-7 alphabet (first 10, deduplicated). */
  nonGsmCharacters: string[];
}

/** Septets a character takes in GSM-7, or `undefined` when GSM-7 cannot carry it. */
export function gsmSeptets(character: string): 1 | 2 | undefined {
  if (basic.has(character)) return 1;
  if (extension.has(character)) return 2;
  return undefined;
}

/** True when every character of `text` is in the GSM-7 alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (const character of text) if (gsmSeptets(character) === undefined) return false;
  return true;
}

/** Greedy split of unit costs into parts of at most `size`, never splitting one character. */
function countParts(costs: Iterable<number>, size: number): { parts: number; lastFill: number } {
  let parts = 1;
  let fill = 0;
  for (const cost of costs) {
    if (fill + cost > size) {
      parts += 1;
      fill = 0;
    }
    fill += cost;
  }
  return { parts, lastFill: fill };
}

/**
 * Counts the encoding, length and parts of an SMS text.
 *
 * @example
 * smsInfo('Your code is 1234').segments; // 1
 * smsInfo('€'.repeat(81)).segments;     // 2 (162 septets)
 */
export function smsInfo(text: string): SmsInfo {
  const characters = [...text];
  const nonGsm: string[] = [];
  let septets = 0;
  for (const character of characters) {
    const cost = gsmSeptets(character);
    if (cost === undefined) {
      if (nonGsm.length < 10 && !nonGsm.includes(character)) nonGsm.push(character);
    } else {
      septets += cost;
    }
  }
  if (characters.length === 0) {
    return {
      encoding: 'GSM-7',
      characters: 0,
      units: 0,
      segments: 0,
      remainingInSegment: 160,
      nonGsmCharacters: [],
    };
  }
  if (nonGsm.length === 0) {
    if (septets <= 160) {
      return {
        encoding: 'GSM-7',
        characters: characters.length,
        units: septets,
        segments: 1,
        remainingInSegment: 160 - septets,
        nonGsmCharacters: [],
      };
    }
    const { parts, lastFill } = countParts(
      characters.map((character) => gsmSeptets(character) as number),
      153,
    );
    return {
      encoding: 'GSM-7',
      characters: characters.length,
      units: septets,
      segments: parts,
      remainingInSegment: 153 - lastFill,
      nonGsmCharacters: [],
    };
  }
  const units = text.length;
  if (units <= 70) {
    return {
      encoding: 'UCS-2',
      characters: characters.length,
      units,
      segments: 1,
      remainingInSegment: 70 - units,
      nonGsmCharacters: nonGsm,
    };
  }
  const { parts, lastFill } = countParts(
    characters.map((character) => character.length),
    67,
  );
  return {
    encoding: 'UCS-2',
    characters: characters.length,
    units,
    segments: parts,
    remainingInSegment: 67 - lastFill,
    nonGsmCharacters: nonGsm,
  };
}

/** A warning about an SMS text, returned by preview and stored with the message. */
export interface SmsWarning {
  code: 'SMS_MULTIPART' | 'SMS_UCS2';
  message: string;
}

/** Warnings for an SMS text: several parts (costlier), or UCS-2 (fewer characters per part). */
export function smsWarnings(info: SmsInfo): SmsWarning[] {
  const warnings: SmsWarning[] = [];
  if (info.encoding === 'UCS-2') {
    warnings.push({
      code: 'SMS_UCS2',
      message: `Text needs UCS-2 (70 characters per SMS) because of: ${info.nonGsmCharacters.join(' ')}`,
    });
  }
  if (info.segments > 1) {
    warnings.push({
      code: 'SMS_MULTIPART',
      message: `Text is sent as ${info.segments} SMS parts (${info.encoding})`,
    });
  }
  return warnings;
}
