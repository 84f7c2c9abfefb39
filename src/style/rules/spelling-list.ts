/**
 * British / American spelling pairs [en-GB, en-US], generated from stems so each family (colour,
 * colours, coloured, colourful ...) converts as a whole. Words whose British spelling depends on their
 * role (licence/license, practise/practice, programme/program, metre/meter, cheque/check, tyre/tire)
 * convert toward en-US only (gbOnlyToUs): the way back a word list cannot decide.
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
  ['savour', ['', 's', 'ed', 'ing', 'y']],
  ['odour', ['', 's', 'less']],
  ['parlour', ['', 's']],
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
  'digit',
  'familiar',
  'stabil',
  'harmon',
  'jeopard',
  'public',
  'scrutin',
  'sympath',
  'central',
  'neutral',
  'penal',
  'rational',
  'subsid',
  'fertil',
  'hospital',
  'energ',
  'vapor',
  'patron',
  'agon',
  'colon',
  'immun',
  'item',
  'global',
  'trivial',
  'popular',
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
  ['spectre', 'specter'],
  ['lustre', 'luster'],
];

/** Doubled consonant before -ed/-ing/-er in British English. */
const doubledL = [
  'travel',
  'cancel',
  'model',
  'label',
  'fuel',
  'signal',
  'level',
  'total',
  'channel',
  'counsel',
];

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
  ['orthopaedic', 'orthopedic'],
  ['anaemia', 'anemia'],
  ['anaemic', 'anemic'],
  ['haemoglobin', 'hemoglobin'],
  ['haemorrhage', 'hemorrhage'],
  ['anaesthetic', 'anesthetic'],
  ['anaesthesia', 'anesthesia'],
  ['oesophagus', 'esophagus'],
  ['oestrogen', 'estrogen'],
  ['diarrhoea', 'diarrhea'],
  ['leukaemia', 'leukemia'],
  ['moustache', 'mustache'],
  ['sulphur', 'sulfur'],
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

/**
 * One-way pairs toward en-US: British words whose American form is right in every role ("licence" is
 * "license" as noun and verb in American English, "tyre" always "tire"), while the way back is not safe
 * ("license" is also the British verb, "tire" also "to grow weary", "check" and "story" are other words).
 * So en-US converts and flags them; en-GB leaves the American forms alone.
 */
export const gbOnlyToUs: readonly [string, string][] = [
  ['tyre', 'tire'],
  ['tyres', 'tires'],
  ['licence', 'license'],
  ['licences', 'licenses'],
  ['programme', 'program'],
  ['programmes', 'programs'],
  ['practise', 'practice'],
  ['practises', 'practices'],
  ['practised', 'practiced'],
  ['practising', 'practicing'],
  ['cheque', 'check'],
  ['cheques', 'checks'],
  ['aeroplane', 'airplane'],
  ['aeroplanes', 'airplanes'],
  ['storey', 'story'],
  ['storeys', 'stories'],
  ['chilli', 'chili'],
  ['chillies', 'chilies'],
  ['yoghurt', 'yogurt'],
  ['yoghurts', 'yogurts'],
  ['metre', 'meter'],
  ['metres', 'meters'],
  ['kilometre', 'kilometer'],
  ['kilometres', 'kilometers'],
  ['centimetre', 'centimeter'],
  ['centimetres', 'centimeters'],
  ['millimetre', 'millimeter'],
  ['millimetres', 'millimeters'],
];
