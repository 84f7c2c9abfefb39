/**
 * British / American spelling pairs [en-GB, en-US], generated from stems so each family (colour,
 * colours, coloured, colourful ...) converts as a whole. Words whose spelling depends on their role
 * (licence/license, practise/practice, programme/program, meter/metre, check/cheque, tire/tyre) are
 * left out on purpose: a word list cannot convert them safely.
 */

const ourStems: [string, string[]][] = [
  ['colour', ['', 's', 'ed', 'ing', 'ful', 'less']],
  ['favour', ['', 's', 'ed', 'ing', 'able', 'ite', 'ites']],
  ['behaviour', ['', 's', 'al']],
  ['honour', ['', 's', 'ed', 'ing', 'able']],
  ['flavour', ['', 's', 'ed', 'ing']],
  ['humour', ['', 's', 'ed']],
  ['labour', ['', 's', 'ed', 'ing']],
  ['neighbour', ['', 's', 'hood', 'ing']],
  ['rumour', ['', 's', 'ed']],
  ['harbour', ['', 's']],
  ['endeavour', ['', 's', 'ed', 'ing']],
  ['vapour', ['', 's']],
  ['armour', ['', 'ed']],
];

const iseStems = [
  'organ',
  'real',
  'recogn',
  'apolog',
  'custom',
  'priorit',
  'optim',
  'minim',
  'maxim',
  'summar',
  'standard',
  'author',
  'initial',
  'normal',
  'serial',
  'synchron',
  'util',
  'emphas',
  'critic',
  'categor',
  'character',
  'final',
  'visual',
  'memor',
  'special',
  'general',
  'modern',
  'capital',
  'local',
  'personal',
  'token',
  'virtual',
  'sanit',
  'legal',
  'mobil',
  'monet',
];
const iseEndings = ['ise', 'ises', 'ised', 'ising', 'isation', 'isations', 'iser', 'isers'];

const rePairs: [string, string][] = [
  ['centre', 'center'],
  ['centres', 'centers'],
  ['centred', 'centered'],
  ['theatre', 'theater'],
  ['theatres', 'theaters'],
  ['fibre', 'fiber'],
  ['fibres', 'fibers'],
  ['litre', 'liter'],
  ['litres', 'liters'],
  ['calibre', 'caliber'],
  ['sombre', 'somber'],
  ['meagre', 'meager'],
];

/** Doubled consonant before -ed/-ing/-er in British English. */
const doubledL = ['travel', 'cancel', 'model', 'label', 'fuel', 'signal', 'level', 'total', 'channel'];

const others: [string, string][] = [
  ['analyse', 'analyze'],
  ['analysed', 'analyzed'],
  ['analysing', 'analyzing'],
  ['analyser', 'analyzer'],
  ['paralyse', 'paralyze'],
  ['paralysed', 'paralyzed'],
  ['catalyse', 'catalyze'],
  ['grey', 'gray'],
  ['greys', 'grays'],
  ['aluminium', 'aluminum'],
  ['catalogue', 'catalog'],
  ['catalogues', 'catalogs'],
  ['catalogued', 'cataloged'],
  ['analogue', 'analog'],
  ['enrol', 'enroll'],
  ['enrols', 'enrolls'],
  ['enrolment', 'enrollment'],
  ['enrolments', 'enrollments'],
  ['fulfil', 'fulfill'],
  ['fulfils', 'fulfills'],
  ['fulfilment', 'fulfillment'],
  ['instalment', 'installment'],
  ['instalments', 'installments'],
  ['skilful', 'skillful'],
  ['wilful', 'willful'],
  ['judgement', 'judgment'],
  ['judgements', 'judgments'],
  ['ageing', 'aging'],
  ['mould', 'mold'],
  ['mouldy', 'moldy'],
  ['plough', 'plow'],
  ['sceptic', 'skeptic'],
  ['sceptical', 'skeptical'],
  ['scepticism', 'skepticism'],
  ['manoeuvre', 'maneuver'],
  ['manoeuvres', 'maneuvers'],
  ['pyjamas', 'pajamas'],
  ['jewellery', 'jewelry'],
  ['counsellor', 'counselor'],
  ['marvellous', 'marvelous'],
  ['defence', 'defense'],
  ['offence', 'offense'],
  ['cosy', 'cozy'],
  ['paediatric', 'pediatric'],
  ['encyclopaedia', 'encyclopedia'],
];

function build(): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [stem, suffixes] of ourStems) {
    for (const s of suffixes) pairs.push([stem + s, stem.slice(0, -2) + stem.slice(-1) + s]);
  }
  for (const stem of iseStems) {
    for (const e of iseEndings) pairs.push([stem + e, stem + e.replace('is', 'iz')]);
  }
  for (const w of doubledL) {
    for (const s of ['led', 'ling', 'ler', 'lers']) pairs.push([w + s, w + s.slice(1)]);
  }
  return [...pairs, ...rePairs, ...others];
}

/** [en-GB, en-US] pairs. */
export const spellingPairs: readonly [string, string][] = build();

/**
 * One-way pairs: "analyses" is also the plural of "analysis" in both spellings, so only the American
 * verb form converts.
 */
export const usOnlyToGb: readonly [string, string][] = [['analyzes', 'analyses']];
