// Word lists for the sentence splitter. Kept apart from the scanner so the rules stay readable
// and the lists can grow without touching the logic. Keys are lower-case, without the final
// period; internal periods stay ("e.g", "u.s").

/** How a known abbreviation followed by a period and whitespace behaves. */
export const AbbrevKind = {
  /** Never ends a sentence ("Dr.", "e.g.", "vs."): they always introduce something. */
  Never: 1,
  /** Ends a sentence unless a number follows ("No. 5", "Fig. 3", "pp. 10"). */
  NumberPrefix: 2,
  /** Ends a sentence when any capitalised word follows ("etc. Then" / "etc. and"). */
  Etc: 3,
  /** Ends a sentence only before a typical sentence opener ("U.S. The" / "U.S. Army"). */
  Soft: 4,
} as const;
export type AbbrevKind = (typeof AbbrevKind)[keyof typeof AbbrevKind];

/** Flag bit: the abbreviation only counts when capitalised ("Mar." is March, "mar." is not). */
export const CAP_ONLY = 8;

const ENTRIES: Array<[kind: AbbrevKind, capOnly: boolean, words: string]> = [
  // Titles and Latin/scholarly connectives: always followed by more of the same sentence.
  [AbbrevKind.Never, false, 'mr mrs ms mx dr drs prof profs messrs mmes mme mlle sra srta dra'],
  [AbbrevKind.Never, false, 'e.g i.e cf viz vs approx ca esp incl resp aka a.k.a w.r.t'],
  [AbbrevKind.Never, false, 'z.b d.h bzw vgl ggf evtl inkl sog aprox p.ej p.ex env т.е т.к см проф акад'],
  // Capitalised only, because the lower-case forms are ordinary words ("gen", "rep", "col").
  [AbbrevKind.Never, true, 'capt cmdr col gen gov lt maj sen rep rev hon pres sgt adm supt insp cpl pvt brig'],
  // Abbreviations that precede a number; otherwise they are words ("no", "art", "vol").
  [
    AbbrevKind.NumberPrefix,
    false,
    'no nos nr fig figs vol vols art arts ch chap sec sect eq eqs pp pg pgs para tab ref refs ex op tel ext apt ste rm pt pts pág núm рис стр',
  ],
  [AbbrevKind.Etc, false, 'etc usw u.s.w т.д т.п'],
  // May end a sentence ("... of Apple Inc. The firm ...") but usually do not.
  [
    AbbrevKind.Soft,
    false,
    'inc ltd corp llc plc bros jr sr esq a.m p.m u.s u.k u.n e.u u.s.a dept univ assn govt est misc al intl natl mfg mgr div hwy bldg',
  ],
  [AbbrevKind.Soft, false, 'min max mins hr hrs yr yrs mo mos wk wks ft oz lb lbs sq gal mi'],
  [AbbrevKind.Soft, false, 'u.a str hrsg jh mio mrd tsd av bd ud uds ул пр др тыс млн млрд руб коп гг вв'],
  [
    AbbrevKind.Soft,
    true,
    'co st mt ave blvd rd ln fr jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun',
  ],
];

/** lower-case abbreviation -> kind | (CAP_ONLY if it must be capitalised). */
export const ABBREVIATIONS: ReadonlyMap<string, number> = buildAbbreviations();

/** Longest key, so longer tokens skip the lookup (and its allocation) entirely. */
export const MAX_ABBREVIATION_LENGTH = Math.max(...[...ABBREVIATIONS.keys()].map((k) => k.length));

function buildAbbreviations(): Map<string, number> {
  const map = new Map<string, number>();
  for (const [kind, capOnly, words] of ENTRIES) {
    for (const word of words.split(' ')) map.set(word, kind | (capOnly ? CAP_ONLY : 0));
  }
  return map;
}

/**
 * Capitalised words that typically open a sentence. After an ambiguous abbreviation
 * ("U.S.", "Inc.", an initial) one of these is strong evidence that a new sentence began,
 * while a capitalised name ("U.S. Army", "John F. Kennedy") is not.
 */
export const SENTENCE_STARTERS: ReadonlySet<string> = new Set(
  [
    // English
    'The A An It Its He She They We I You This That These Those There Here But And Or So Yet',
    'However Then When While If In On At As After Before During Today Yesterday Tomorrow His Her',
    'Their Our My Your What Why How Who Whom Where Which Some Many Most All One Each Every Also',
    'Meanwhile Thus Therefore Still Now Although Though Because Since For From With By Not Even',
    'Let Please Thanks Thank Such Another Both Instead Indeed Finally First Later Next Once Perhaps',
    'Maybe Yes No Sometimes Unfortunately Fortunately Nevertheless Moreover Furthermore Additionally',
    'Overall Afterwards Again Only Despite Other Several Few Any Did Do Does Is Are Was Were Will',
    'Would Can Could Should Have Has Had To Until Unlike Like Nobody Everyone Someone Nothing',
    // German, French, Spanish, Russian
    'Der Die Das Es Er Sie Wir Ich Ein Eine Dies Diese Dieser Im Am Auf Aber Und Dann Danach Heute Als Wenn Nach Bei Mit Auch',
    'Le La Les Il Elle Ils Elles Nous Vous Je Un Une Ce Cette Mais Et Puis Ensuite Dans En Au',
    'El Los Las Él Ella Ellos Yo Pero Luego Después Este Esta',
    'Он Она Оно Они Я Мы Вы Это Этот Эта В На Но И А После Потом Затем Сегодня Когда Если',
  ]
    .join(' ')
    .split(' '),
);

/** Month names: "am 3. Oktober" / "the 3. May" keep an ordinal number inside the sentence. */
export const MONTH_NAMES: ReadonlySet<string> = new Set(
  [
    'January February March April May June July August September October November December',
    'Januar Februar März Mai Juni Juli Oktober Dezember',
    'janvier février mars avril mai juin juillet août septembre octobre novembre décembre',
    'enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre',
    'января февраля марта апреля мая июня июля августа сентября октября ноября декабря',
    'stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia',
    'ledna února března dubna května června července srpna září října listopadu prosince',
  ]
    .join(' ')
    .split(' '),
);

/** Languages that write ordinals as "3." ("am 3. Oktober", "19. století"). */
export const ORDINAL_DOT_LANGUAGES: ReadonlySet<string> = new Set(
  'de da nb nn no fi is cs sk sl hr sr bs pl hu et lv lt tr'.split(' '),
);
