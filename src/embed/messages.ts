/** The few texts only the element shows or sends (the screens' texts are src/ui's). Plain text, both languages. */
import { lang } from '../ui/i18n.ts';

const TEXTS = {
  ru: {
    noToken: 'Токен Облака Эвотор не задан.',
    noTokenAction: 'Страница, на которой встроено приложение, должна передать токен в атрибуте token элемента <evotor-stock-sync>.',
    badApiBase: 'Адрес API задан неверно.',
    badApiBaseAction: 'Атрибут api-base должен быть адресом https:// (http:// — только для 127.0.0.1 или localhost) без логина, параметров и #.',
    notReady: 'Нечего записывать: расчёт ещё не готов.',
    notReadyAction: 'Вызовите start() и дождитесь события review-ready.',
    nothingToUndo: 'Нечего отменять: нет записи, которую можно отменить.',
    nothingToUndoAction: 'Отмена доступна после apply(), пока её не отменили или не отказались от неё.',
    busy: 'Запись уже идёт.',
    busyAction: 'Дождитесь события applied или error.',
  },
  en: {
    noToken: 'No Evotor Cloud token is set.',
    noTokenAction: 'The page that embeds the app must give the token in the token attribute of <evotor-stock-sync>.',
    badApiBase: 'The API address is not valid.',
    badApiBaseAction: 'The api-base attribute must be an https:// address (http:// only for 127.0.0.1 or localhost) with no login, query or #.',
    notReady: 'Nothing to write: the result is not ready yet.',
    notReadyAction: 'Call start() and wait for the review-ready event.',
    nothingToUndo: 'Nothing to undo: there is no write that can be undone.',
    nothingToUndoAction: 'Undo is available after apply() until it is undone or discarded.',
    busy: 'A write is already running.',
    busyAction: 'Wait for the applied or error event.',
  },
} as const;

export type EmbedText = keyof (typeof TEXTS)['ru'];

export function et(key: EmbedText): string {
  return TEXTS[lang.value][key];
}
