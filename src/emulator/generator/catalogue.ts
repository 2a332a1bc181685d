/**
 * The synthetic catalogue of a store: category groups, piece and weighted goods, services, alcohol (marked and
 * not marked), modifications of a parent (the parent is a group that keeps no stock), and sets (a product whose
 * sale moves its components, never itself). Pure function of the seed and the options.
 */
import type { Milli } from '../../model/quantity.ts';
import { Rng } from './prng.ts';
import type { ResolvedOptions } from './options.ts';

export type ProductKind = 'category' | 'variantParent' | 'piece' | 'weighted' | 'service' | 'alcohol' | 'alcoholMarked' | 'modification' | 'set';

export interface GenProduct {
  index: number;
  id: string;
  kind: ProductKind;
  /** A group (category or parent of modifications): not sold, keeps no stock. */
  group: boolean;
  hasVariants: boolean;
  /** NORMAL | SERVICE | ALCOHOL_NOT_MARKED | ALCOHOL_MARKED; null for groups. */
  type: string | null;
  name: string;
  code: string;
  barcode: string | null;
  articleNumber: string | null;
  measureName: string;
  /** Decimal places of the unit: 0 for pieces, 3 for kg. */
  precision: 0 | 3;
  /** kopecks */
  price: number;
  costPrice: number;
  tax: string;
  parentIndex: number;
  /** Whether the product keeps stock: goods, alcohol, modifications; not services, sets or groups. */
  tracked: boolean;
  /** Sets only: components and their quantity per one set. */
  components?: { p: number; qty: Milli }[];
  /** Alcohol: strength in thousandths of a percent (40.000% = 40000), kind code, tare volume in millilitres. */
  alcoholByVolume?: Milli;
  alcoholProductKindCode?: number;
  tareVolume?: Milli;
  /** Modification: its attribute choice, e.g. "Размер: M". */
  attribute?: { name: string; value: string };
  /** Relative sales popularity (0 for groups). */
  popularity: number;
}

export interface Catalogue {
  products: GenProduct[];
  /** Indices of tracked products in catalogue order. */
  tracked: Int32Array;
  /** Sampler over sellable products (goods, services, modifications, sets) by popularity. */
  sellable: Sampler;
  /** Sampler over tracked products by popularity (acceptances, write-offs, inventories). */
  stockable: Sampler;
  /** Sampler over piece goods that can be bought from customers. */
  buyable: Sampler;
  byId: Map<string, number>;
}

export class Sampler {
  readonly indices: Int32Array;
  private readonly cumulative: Float64Array;
  readonly total: number;

  constructor(products: GenProduct[], accept: (p: GenProduct) => boolean) {
    const chosen = products.filter(accept);
    this.indices = Int32Array.from(chosen.map((p) => p.index));
    this.cumulative = new Float64Array(chosen.length);
    let sum = 0;
    chosen.forEach((p, i) => {
      sum += p.popularity;
      this.cumulative[i] = sum;
    });
    this.total = sum;
  }

  get size(): number {
    return this.indices.length;
  }

  /** A product index drawn by popularity, or -1 when empty. */
  sample(rng: Rng): number {
    const n = this.indices.length;
    if (n === 0) return -1;
    const target = rng.float() * this.total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.indices[lo] as number;
  }

  /** Probability of drawing product index p (for balancing restocks). */
  share(p: GenProduct): number {
    return this.total > 0 ? p.popularity / this.total : 0;
  }
}

const CATEGORIES: { name: string; piece: string[]; weighted: string[] }[] = [
  { name: 'Молочные продукты', piece: ['Молоко 3,2% 1 л', 'Кефир 1% 900 г', 'Йогурт питьевой', 'Сметана 20%', 'Творог 5%', 'Ряженка'], weighted: ['Сыр Российский', 'Творог развесной', 'Сыр Гауда'] },
  { name: 'Хлеб и выпечка', piece: ['Хлеб Бородинский', 'Батон нарезной', 'Багет французский', 'Лаваш армянский', 'Сушки ванильные'], weighted: ['Пряники развесные', 'Печенье овсяное'] },
  { name: 'Бакалея', piece: ['Гречка 900 г', 'Рис круглозёрный', 'Макароны перья', 'Сахар 1 кг', 'Соль поваренная', 'Мука пшеничная'], weighted: ['Крупа пшённая', 'Орехи грецкие', 'Чай листовой'] },
  { name: 'Овощи и фрукты', piece: ['Лимон', 'Ананас', 'Кокос'], weighted: ['Картофель', 'Морковь', 'Яблоки Гала', 'Бананы', 'Огурцы', 'Помидоры', 'Лук репчатый'] },
  { name: 'Мясо и рыба', piece: ['Пельмени 800 г', 'Сосиски молочные', 'Шпроты в масле'], weighted: ['Колбаса докторская', 'Куриное филе', 'Фарш говяжий', 'Сельдь слабосолёная'] },
  { name: 'Напитки', piece: ['Вода питьевая 1,5 л', 'Сок яблочный 1 л', 'Квас 1,5 л', 'Лимонад Тархун', 'Морс клюквенный'], weighted: [] },
  { name: 'Бытовая химия', piece: ['Мыло хозяйственное', 'Средство для посуды', 'Стиральный порошок', 'Губки для посуды', 'Пакеты для мусора'], weighted: [] },
  { name: 'Кондитерские изделия', piece: ['Шоколад молочный', 'Зефир ванильный', 'Вафли лимонные', 'Торт Медовик'], weighted: ['Конфеты Ромашка', 'Мармелад жевательный', 'Халва подсолнечная'] },
];
const BRANDS = ['Простоквашино', 'Домик в деревне', 'Красная цена', 'Алтайский край', 'Вкусвилл', 'Сибирская', 'Фермерское', 'Эконом', 'Луговое', 'Мираторг'];
const SERVICES = ['Доставка', 'Упаковка подарка', 'Нарезка', 'Сборка заказа', 'Пакет-майка'];
const ALCOHOL = ['Пиво светлое 0,5 л', 'Пиво тёмное 0,45 л', 'Сидр яблочный', 'Медовуха'];
const ALCOHOL_MARKED = ['Водка 0,5 л', 'Коньяк 3 года 0,5 л', 'Вино красное сухое 0,75 л', 'Вино белое полусладкое 0,75 л', 'Настойка рябиновая'];
const VARIANT_FAMILIES: { name: string; attribute: string; values: string[] }[] = [
  { name: 'Футболка хлопковая', attribute: 'Размер', values: ['S', 'M', 'L', 'XL'] },
  { name: 'Носки мужские', attribute: 'Размер', values: ['39-41', '42-44', '45-47'] },
  { name: 'Кружка керамическая', attribute: 'Цвет', values: ['Белая', 'Синяя', 'Красная', 'Зелёная'] },
  { name: 'Зонт складной', attribute: 'Цвет', values: ['Чёрный', 'Бежевый', 'Синий'] },
  { name: 'Перчатки рабочие', attribute: 'Размер', values: ['8', '9', '10'] },
];
const SETS = ['Набор к чаю', 'Подарочный набор', 'Набор для завтрака', 'Корзина для пикника', 'Набор для окрошки'];
const TAXES = ['NO_VAT', 'VAT_0', 'VAT_10', 'VAT_18'];

function ean13(rng: Rng): string {
  let digits = '46';
  for (let i = 0; i < 10; i++) digits += String(rng.int(10));
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits[i]) * (i % 2 === 0 ? 1 : 3);
  return digits + String((10 - (sum % 10)) % 10);
}

/** How many of each kind: small catalogues still get one of every kind when they have room for it. */
function kindQuotas(n: number, allowSets: boolean) {
  const quota = (share: number, min: number) => Math.max(n >= 12 ? min : 0, Math.floor(n * share));
  let weighted = quota(0.15, 1);
  let services = quota(0.04, 1);
  let alcohol = quota(0.04, 1);
  let alcoholMarked = quota(0.03, 1);
  let modifications = quota(0.1, 2);
  let sets = allowSets ? quota(0.03, 1) : 0;
  while (weighted + services + alcohol + alcoholMarked + modifications + sets > n - Math.ceil(n * 0.2)) {
    // too small: give the room to plain piece goods
    if (modifications > 0) modifications = Math.max(0, modifications - 1);
    else if (sets > 0) sets--;
    else if (alcoholMarked > 0) alcoholMarked--;
    else if (alcohol > 0) alcohol--;
    else if (services > 0) services--;
    else if (weighted > 0) weighted--;
    else break;
    if (modifications === 1) modifications = 0;
  }
  const piece = n - weighted - services - alcohol - alcoholMarked - modifications - sets;
  return { piece, weighted, services, alcohol, alcoholMarked, modifications, sets };
}

type NewProduct = Omit<GenProduct, 'index' | 'id' | 'code'>;

/** The catalogue being built: its products in order, and `add`, which numbers them. */
interface Builder {
  rng: Rng;
  products: GenProduct[];
  add(p: NewProduct): GenProduct;
  priceOf(lo: number, hi: number): number;
}

function newBuilder(rng: Rng): Builder {
  const products: GenProduct[] = [];
  let code = 1;
  return {
    rng,
    products,
    add(p) {
      // One fixed object shape for every product (all fields, same order): hot loops read them monomorphically.
      const full: GenProduct = {
        index: products.length, id: rng.uuid(), kind: p.kind, group: p.group, hasVariants: p.hasVariants, type: p.type,
        name: p.name, code: String(code++), barcode: p.barcode, articleNumber: p.articleNumber, measureName: p.measureName,
        precision: p.precision, price: p.price, costPrice: p.costPrice, tax: p.tax, parentIndex: p.parentIndex,
        tracked: p.tracked, components: p.components, alcoholByVolume: p.alcoholByVolume,
        alcoholProductKindCode: p.alcoholProductKindCode, tareVolume: p.tareVolume, attribute: p.attribute, popularity: p.popularity,
      };
      products.push(full);
      return full;
    },
    priceOf: (lo, hi) => rng.range(lo, hi) * 10, // kopecks, multiples of 10
  };
}

function addCategories(b: Builder, count: number): GenProduct[] {
  const categories: GenProduct[] = [];
  for (let c = 0; c < count; c++) {
    const base = CATEGORIES[c % CATEGORIES.length]!;
    categories.push(
      b.add({
        kind: 'category', group: true, hasVariants: false, type: null,
        name: c < CATEGORIES.length ? base.name : `${base.name} ${Math.floor(c / CATEGORIES.length) + 1}`,
        barcode: null, articleNumber: null, measureName: '', precision: 0, price: 0, costPrice: 0, tax: 'NO_VAT',
        parentIndex: -1, tracked: false, popularity: 0,
      }),
    );
  }
  return categories;
}

function addGoods(b: Builder, categories: readonly GenProduct[], kind: 'piece' | 'weighted'): GenProduct {
  const { rng } = b;
  const c = rng.int(categories.length);
  const base = CATEGORIES[c % CATEGORIES.length]!;
  const names = kind === 'weighted' && base.weighted.length > 0 ? base.weighted : base.piece;
  const isWeighted = kind === 'weighted';
  const price = isWeighted ? b.priceOf(800, 15_000) : b.priceOf(300, 9_000);
  return b.add({
    kind, group: false, hasVariants: false, type: 'NORMAL',
    name: `${rng.pick(names)} «${rng.pick(BRANDS)}»`,
    barcode: isWeighted ? null : ean13(rng), articleNumber: rng.chance(0.3) ? `A-${rng.range(1000, 99999)}` : null,
    measureName: isWeighted ? 'кг' : 'шт', precision: isWeighted ? 3 : 0,
    price, costPrice: Math.round((price * rng.range(55, 80)) / 1000) * 10, tax: rng.pick(TAXES),
    parentIndex: categories[c]!.index, tracked: true, popularity: 0,
  });
}

function addService(b: Builder): void {
  b.add({
    kind: 'service', group: false, hasVariants: false, type: 'SERVICE', name: b.rng.pick(SERVICES), barcode: null, articleNumber: null,
    measureName: 'шт', precision: 0, price: b.priceOf(500, 50_000), costPrice: 0, tax: 'NO_VAT',
    parentIndex: -1, tracked: false, popularity: 0,
  });
}

function addAlcohol(b: Builder, marked: boolean): void {
  const { rng } = b;
  const price = b.priceOf(marked ? 3_000 : 900, marked ? 25_000 : 3_000);
  b.add({
    kind: marked ? 'alcoholMarked' : 'alcohol', group: false, hasVariants: false, type: marked ? 'ALCOHOL_MARKED' : 'ALCOHOL_NOT_MARKED',
    name: rng.pick(marked ? ALCOHOL_MARKED : ALCOHOL), barcode: ean13(rng), articleNumber: null,
    measureName: 'шт', precision: 0, price, costPrice: Math.round((price * 0.6) / 10) * 10, tax: 'VAT_18',
    parentIndex: -1, tracked: true, popularity: 0,
    alcoholByVolume: (marked ? rng.range(12, 40) : rng.range(4, 8)) * 1000,
    alcoholProductKindCode: marked ? rng.pick([200, 263, 400, 401]) : rng.pick([261, 262]),
    tareVolume: marked ? rng.pick([500, 700, 750]) : rng.pick([450, 500, 1000]),
  });
}

/** Modifications, in families under a parent group with variants; returns how many did not fit a family. */
function addModifications(b: Builder, modifications: number): number {
  const { rng } = b;
  let left = modifications;
  while (left >= 2) {
    const family = rng.pick(VARIANT_FAMILIES);
    const size = Math.min(left, rng.range(2, family.values.length));
    left -= size;
    const price = b.priceOf(1_500, 20_000);
    const parent = b.add({
      kind: 'variantParent', group: true, hasVariants: true, type: null, name: family.name, barcode: null, articleNumber: null,
      measureName: 'шт', precision: 0, price, costPrice: 0, tax: 'VAT_18', parentIndex: -1, tracked: false, popularity: 0,
    });
    for (let v = 0; v < size; v++) {
      const value = family.values[v]!;
      b.add({
        kind: 'modification', group: false, hasVariants: false, type: 'NORMAL', name: `${family.name}, ${value}`,
        barcode: ean13(rng), articleNumber: null, measureName: 'шт', precision: 0, price,
        costPrice: Math.round((price * 0.5) / 10) * 10, tax: 'VAT_18', parentIndex: parent.index, tracked: true, popularity: 0,
        attribute: { name: family.attribute, value },
      });
    }
  }
  return left;
}

/** Sets, made of goods already in the catalogue. */
function addSets(b: Builder, sets: number): void {
  const { rng } = b;
  const componentPool = b.products.filter((p) => p.kind === 'piece' || p.kind === 'weighted');
  for (let s = 0; s < sets && componentPool.length > 0; s++) {
    const count = Math.min(componentPool.length, rng.range(2, 4));
    const components: { p: number; qty: Milli }[] = [];
    const used = new Set<number>();
    for (let k = 0; k < count; k++) {
      const c = rng.pick(componentPool);
      if (used.has(c.index)) continue;
      used.add(c.index);
      components.push({ p: c.index, qty: (c.precision === 3 ? rng.range(1, 10) * 50 : rng.range(1, 2) * 1000) as Milli });
    }
    b.add({
      kind: 'set', group: false, hasVariants: false, type: 'NORMAL', name: rng.pick(SETS), barcode: ean13(rng), articleNumber: null,
      measureName: 'компл', precision: 0, price: b.priceOf(5_000, 30_000), costPrice: 0, tax: 'VAT_18',
      parentIndex: -1, tracked: false, popularity: 0, components,
    });
  }
}

/** Popularity: Zipf-like over a random permutation of sellable items. */
function assignPopularity(b: Builder): void {
  const { rng, products } = b;
  rng.shuffle(products.filter((p) => !p.group).map((p) => p.index)).forEach((index, rank) => {
    const p = products[index]!;
    p.popularity = 1 / Math.pow(rank + 1, 0.8);
    if (p.kind === 'service') p.popularity *= 0.3;
  });
}

export function generateCatalogue(o: ResolvedOptions): Catalogue {
  const rng = new Rng(`${String(o.seed)}|catalogue`);
  const n = o.products;
  const quotas = kindQuotas(n, o.apiVersion === 'v2');
  const b = newBuilder(rng);
  const categories = addCategories(b, Math.max(1, Math.min(CATEGORIES.length * 50, Math.round(n / 150))));

  // The order of kinds is shuffled so that catalogue order mixes them.
  const plan: ProductKind[] = [];
  for (const [kind, count] of [['piece', quotas.piece], ['weighted', quotas.weighted], ['service', quotas.services], ['alcohol', quotas.alcohol], ['alcoholMarked', quotas.alcoholMarked]] as const) {
    for (let i = 0; i < count; i++) plan.push(kind);
  }
  for (const kind of rng.shuffle(plan)) {
    if (kind === 'piece' || kind === 'weighted') addGoods(b, categories, kind);
    else if (kind === 'service') addService(b);
    else addAlcohol(b, kind === 'alcoholMarked');
  }
  const left = addModifications(b, quotas.modifications);
  for (let i = 0; i < left; i++) addGoods(b, categories, 'piece');
  addSets(b, quotas.sets);
  assignPopularity(b);

  const { products } = b;
  const byId = new Map<string, number>();
  for (const p of products) byId.set(p.id, p.index);
  return {
    products,
    tracked: Int32Array.from(products.filter((p) => p.tracked).map((p) => p.index)),
    sellable: new Sampler(products, (p) => !p.group),
    stockable: new Sampler(products, (p) => p.tracked),
    buyable: new Sampler(products, (p) => p.tracked && p.precision === 0),
    byId,
  };
}
