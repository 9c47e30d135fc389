/**
 * Referrer hosts and source aliases shown under a display name instead of a bare host.
 * Data only; `referrer.ts` holds the matching. A host matches its entry and any
 * subdomain of it (the most specific entry wins), so `l.facebook.com` needs no line of
 * its own while `mail.google.com` can differ from `google.com`.
 *
 * Federated networks (Mastodon and the like) are out of scope: they have no fixed hosts,
 * so they appear as their instance's host.
 */

const SEARCH_ENGINES: Record<string, string> = {
  'ask.com': 'Ask',
  'baidu.com': 'Baidu',
  'bing.com': 'Bing',
  'duckduckgo.com': 'DuckDuckGo',
  'ecosia.org': 'Ecosia',
  'kagi.com': 'Kagi',
  'mojeek.com': 'Mojeek',
  'naver.com': 'Naver',
  'qwant.com': 'Qwant',
  'search.aol.com': 'AOL',
  'search.brave.com': 'Brave',
  'seznam.cz': 'Seznam',
  'so.com': '360 Search',
  'sogou.com': 'Sogou',
  'startpage.com': 'Startpage',
  'yandex.com': 'Yandex',
  'ya.ru': 'Yandex',
  'yahoo.com': 'Yahoo',
  'yep.com': 'Yep',
}

const SOCIAL_NETWORKS: Record<string, string> = {
  'bsky.app': 'Bluesky',
  'discord.com': 'Discord',
  'facebook.com': 'Facebook',
  'fb.com': 'Facebook',
  'fb.me': 'Facebook',
  'github.com': 'GitHub',
  'instagram.com': 'Instagram',
  'linkedin.com': 'LinkedIn',
  'lnkd.in': 'LinkedIn',
  'messenger.com': 'Facebook Messenger',
  'news.ycombinator.com': 'Hacker News',
  'pin.it': 'Pinterest',
  'pinterest.com': 'Pinterest',
  'producthunt.com': 'Product Hunt',
  'quora.com': 'Quora',
  'reddit.com': 'Reddit',
  'redd.it': 'Reddit',
  'snapchat.com': 'Snapchat',
  'stackoverflow.com': 'Stack Overflow',
  't.co': 'Twitter',
  't.me': 'Telegram',
  'telegram.org': 'Telegram',
  'threads.net': 'Threads',
  'tiktok.com': 'TikTok',
  'tumblr.com': 'Tumblr',
  'twitter.com': 'Twitter',
  'vk.com': 'VK',
  'wa.me': 'WhatsApp',
  'whatsapp.com': 'WhatsApp',
  'x.com': 'Twitter',
  'xing.com': 'XING',
  'youtu.be': 'YouTube',
  'youtube.com': 'YouTube',
}

const AI_ASSISTANTS: Record<string, string> = {
  'chat.deepseek.com': 'DeepSeek',
  'chat.mistral.ai': 'Mistral',
  'chat.openai.com': 'ChatGPT',
  'chatgpt.com': 'ChatGPT',
  'claude.ai': 'Claude',
  'copilot.microsoft.com': 'Copilot',
  'gemini.google.com': 'Gemini',
  'perplexity.ai': 'Perplexity',
}

const WEBMAIL: Record<string, string> = {
  'app.fastmail.com': 'Fastmail',
  // GMX and WEB.DE route every link out of a mail through these dereferers.
  'deref-gmx.net': 'GMX',
  'deref-web.de': 'WEB.DE',
  'mail.aol.com': 'AOL Mail',
  'mail.google.com': 'Gmail',
  'mail.proton.me': 'Proton Mail',
  'mail.protonmail.com': 'Proton Mail',
  'mail.yahoo.com': 'Yahoo Mail',
  'mail.yandex.com': 'Yandex Mail',
  'mail.yandex.ru': 'Yandex Mail',
  'mail.zoho.com': 'Zoho Mail',
  'navigator.gmx.net': 'GMX',
  'outlook.live.com': 'Outlook',
  'outlook.office.com': 'Outlook',
  'outlook.office365.com': 'Outlook',
}

/** Hosts (without `www.`) and their parent domains → display name. */
export const KNOWN_SOURCE_HOSTS: ReadonlyMap<string, string> = new Map(
  Object.entries({ ...SEARCH_ENGINES, ...SOCIAL_NETWORKS, ...AI_ASSISTANTS, ...WEBMAIL }),
)

/**
 * Services with a domain per country (`google.de`, `google.co.uk`, `google.com.au`,
 * `yandex.ru`, `pinterest.fr`…): the label before the country suffix → display name.
 */
export const COUNTRY_DOMAIN_SOURCES: ReadonlyMap<string, string> = new Map([
  ['bing', 'Bing'],
  ['google', 'Google'],
  ['pinterest', 'Pinterest'],
  ['yahoo', 'Yahoo'],
  ['yandex', 'Yandex'],
])

/**
 * Android apps send `android-app://<package>/` as the referrer. Unknown packages show
 * as the package name.
 */
export const ANDROID_APP_SOURCES: ReadonlyMap<string, string> = new Map([
  ['com.facebook.katana', 'Facebook'],
  ['com.google.android.gm', 'Gmail'],
  ['com.google.android.googlequicksearchbox', 'Google'],
  ['com.google.android.youtube', 'YouTube'],
  ['com.instagram.android', 'Instagram'],
  ['com.linkedin.android', 'LinkedIn'],
  ['com.microsoft.office.outlook', 'Outlook'],
  ['com.openai.chatgpt', 'ChatGPT'],
  ['com.pinterest', 'Pinterest'],
  ['com.reddit.frontpage', 'Reddit'],
  ['com.slack', 'Slack'],
  ['com.twitter.android', 'Twitter'],
  ['com.whatsapp', 'WhatsApp'],
  ['org.telegram.messenger', 'Telegram'],
])

/**
 * Common spellings of `utm_source` / `source` / `ref` values (lower case) → display name,
 * so `?utm_source=fb` and a facebook.com referrer land in one row. Values that look like a
 * host are matched against the host lists instead (`?utm_source=chatgpt.com`).
 */
export const SOURCE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['bing', 'Bing'],
  ['chatgpt', 'ChatGPT'],
  ['duckduckgo', 'DuckDuckGo'],
  ['ecosia', 'Ecosia'],
  ['facebook', 'Facebook'],
  ['fb', 'Facebook'],
  ['google', 'Google'],
  ['hacker news', 'Hacker News'],
  ['hackernews', 'Hacker News'],
  ['hn', 'Hacker News'],
  ['ig', 'Instagram'],
  ['instagram', 'Instagram'],
  ['linkedin', 'LinkedIn'],
  ['perplexity', 'Perplexity'],
  ['pinterest', 'Pinterest'],
  ['reddit', 'Reddit'],
  ['tiktok', 'TikTok'],
  ['twitter', 'Twitter'],
  ['x', 'Twitter'],
  ['yahoo', 'Yahoo'],
  ['yandex', 'Yandex'],
  ['youtube', 'YouTube'],
  ['yt', 'YouTube'],
])
