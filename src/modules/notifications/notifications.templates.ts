import { NotificationCategory } from '../../platform/db';

export interface Rendered {
  title: string;
  body: string;
}

type Language = 'en' | 'de';
type Template = (payload: Record<string, string>) => Rendered;

const CATEGORY_NAMES: Record<Language, Record<string, string>> = {
  en: { MEDICAL: 'medical emergency', ACCIDENT: 'accident', FIRE: 'fire', ASSAULT: 'assault', MENTAL_HEALTH: 'mental health crisis', LOST_PERSON: 'lost person', OTHER: 'emergency' },
  de: { MEDICAL: 'medizinischer Notfall', ACCIDENT: 'Unfall', FIRE: 'Feuer', ASSAULT: 'Übergriff', MENTAL_HEALTH: 'psychische Krise', LOST_PERSON: 'vermisste Person', OTHER: 'Notfall' },
};

const what = (language: Language, payload: Record<string, string>) => CATEGORY_NAMES[language][payload.category ?? 'OTHER'] ?? CATEGORY_NAMES[language].OTHER;

/**
 * The texts people see, in English and German. A volunteer's alert says what and how far, never
 * who or exactly where: the app shows that once they open it (and as much as they may see).
 */
const TEMPLATES: Record<Language, Partial<Record<NotificationCategory, Template>>> = {
  en: {
    SOS_ALERT: (p) => ({ title: `SOS nearby: ${what('en', p)}`, body: `${p.distanceMeters} m from you. Can you help? Open to answer.` }),
    ESCALATION: (p) => ({ title: 'SOS escalated', body: `Nobody accepted a ${what('en', p)} within the largest radius. Please take over.` }),
    SOS_ACCEPTED: () => ({ title: 'Help is on the way', body: 'A volunteer accepted your SOS. Open the app to follow them.' }),
    SOS_ARRIVED: () => ({ title: 'Your volunteer is there', body: 'The volunteer who accepted your SOS has arrived.' }),
    CHAT_MESSAGE: () => ({ title: 'New message', body: 'Someone in your SOS conversation wrote to you. Open the app to read it.' }),
  },
  de: {
    SOS_ALERT: (p) => ({ title: `SOS in der Nähe: ${what('de', p)}`, body: `${p.distanceMeters} m von dir entfernt. Kannst du helfen? Öffnen zum Antworten.` }),
    ESCALATION: (p) => ({ title: 'SOS eskaliert', body: `Niemand hat einen Einsatz (${what('de', p)}) im größten Umkreis angenommen. Bitte übernehmen.` }),
    SOS_ACCEPTED: () => ({ title: 'Hilfe ist unterwegs', body: 'Eine Helferin oder ein Helfer hat deinen SOS angenommen. Öffne die App, um den Weg zu verfolgen.' }),
    SOS_ARRIVED: () => ({ title: 'Deine Hilfe ist da', body: 'Die Person, die deinen SOS angenommen hat, ist angekommen.' }),
    CHAT_MESSAGE: () => ({ title: 'Neue Nachricht', body: 'Jemand hat dir in deinem SOS-Gespräch geschrieben. Öffne die App, um sie zu lesen.' }),
  },
};

/** SMS: one short text, which must make sense without the app. */
const SMS_TEMPLATES: Record<Language, Partial<Record<NotificationCategory, (payload: Record<string, string>) => string>>> = {
  en: {
    SOS_ALERT: (p) => `CareConnect: SOS nearby (${what('en', p)}, ${p.distanceMeters} m from you). Open the app to answer.`,
    ESCALATION: (p) => `CareConnect: an SOS (${what('en', p)}) escalated, nobody accepted. Please take over.`,
    PHONE_CODE: (p) => `Your CareConnect code is ${p.code}. It expires in 10 minutes. Never share it.`,
  },
  de: {
    SOS_ALERT: (p) => `CareConnect: SOS in der Nähe (${what('de', p)}, ${p.distanceMeters} m von dir). Öffne die App, um zu antworten.`,
    ESCALATION: (p) => `CareConnect: ein SOS (${what('de', p)}) ist eskaliert, niemand hat angenommen. Bitte übernehmen.`,
    PHONE_CODE: (p) => `Dein CareConnect-Code lautet ${p.code}. Er gilt 10 Minuten. Gib ihn nicht weiter.`,
  },
};

const languageOf = (locale: string): Language => (/^de\b/i.test(locale) ? 'de' : 'en');

/** The text of a notification in the device's language (German for "de", else English); null for a silent one. */
export function render(category: NotificationCategory, locale: string, payload: Record<string, string>): Rendered | null {
  return TEMPLATES[languageOf(locale)][category]?.(payload) ?? null;
}

/** The SMS text of a notification, in the person's language; null when this category has no SMS. */
export function renderSms(category: NotificationCategory, locale: string, payload: Record<string, string>): string | null {
  return SMS_TEMPLATES[languageOf(locale)][category]?.(payload) ?? null;
}

/** Categories that must wake the phone (time-sensitive, high priority) rather than wait for a good moment. */
export const URGENT: readonly NotificationCategory[] = [NotificationCategory.SOS_ALERT, NotificationCategory.ESCALATION];

/** Categories that may wait: quiet hours and per-person caps apply to them, never to what concerns an emergency. */
export const NON_EMERGENCY: readonly NotificationCategory[] = [NotificationCategory.CHAT_MESSAGE];

/** Account mail: a subject and a plain-text body that says what to do. */
const MAIL_TEMPLATES: Record<Language, Partial<Record<NotificationCategory, (payload: Record<string, string>, links: MailLinks) => Rendered>>> = {
  en: {
    PASSWORD_RESET: (p, links) => ({
      title: 'Reset your CareConnect password',
      body:
        'Someone (hopefully you) asked to reset the password of your CareConnect account.\n\n' +
        (links.passwordReset ? `Choose a new one here: ${links.passwordReset}?token=${p.token}` : `Enter this code in the app to choose a new one:\n\n${p.token}`) +
        '\n\nIt works once, within 30 minutes. If you did not ask for it, ignore this mail: your password stays as it is.',
    }),
    ACCOUNT_WARNING: (p) => ({
      title: 'A warning about your CareConnect account',
      body:
        'Our team reviewed how your account has been used and asks you to take note of this:\n\n' +
        `${p.note}\n\n` +
        'If it happens again, your account may be suspended. You can always raise an SOS in an emergency. Reply to this mail if you think this is a mistake.',
    }),
  },
  de: {
    PASSWORD_RESET: (p, links) => ({
      title: 'Dein CareConnect-Passwort zurücksetzen',
      body:
        'Jemand (hoffentlich du) möchte das Passwort deines CareConnect-Kontos zurücksetzen.\n\n' +
        (links.passwordReset ? `Wähle hier ein neues: ${links.passwordReset}?token=${p.token}` : `Gib diesen Code in der App ein, um ein neues zu wählen:\n\n${p.token}`) +
        '\n\nEr gilt einmal und 30 Minuten lang. Wenn du das nicht warst, ignoriere diese Mail: dein Passwort bleibt, wie es ist.',
    }),
    ACCOUNT_WARNING: (p) => ({
      title: 'Ein Hinweis zu deinem CareConnect-Konto',
      body:
        'Unser Team hat geprüft, wie dein Konto genutzt wurde, und bittet dich, Folgendes zu beachten:\n\n' +
        `${p.note}\n\n` +
        'Wenn es wieder vorkommt, kann dein Konto gesperrt werden. Im Notfall kannst du immer einen SOS auslösen. Antworte auf diese Mail, wenn du das für einen Irrtum hältst.',
    }),
  },
};

/** Where account mail links to (empty: the mail carries the code to paste into the app). */
export interface MailLinks {
  passwordReset: string;
}

/** The mail of a notification in the person's language; null when this category has no mail. */
export function renderMail(category: NotificationCategory, locale: string, payload: Record<string, string>, links: MailLinks): Rendered | null {
  return MAIL_TEMPLATES[languageOf(locale)][category]?.(payload, links) ?? null;
}
