#!/usr/bin/env python3
"""Build a sample firehose (JSONL, one post per line) from real text.

The text comes from the Debian packages fortunes-ru (about 20k Russian
fortunes, /usr/share/games/fortunes/ru/*.u8) and fortunes / fortunes-min
(English, /usr/share/games/fortunes/*.u8). Every fortune becomes a post with
plausible metadata: a source with its source_type, places and review channels,
an author whose follower count follows a heavy tail, replies and reposts.

A share of the posts (--mention-rate) gets a mention of the sample tenant's
brand injected (ops/sample/tenant.yaml: Flowwow, фловвов, #flowwow,
@flowwow_ru, "доставка цветов", couriers, sellers, emoji ...), so that
`sito match` finds something. A handful of hand-written edge posts (hyphens,
ё, hashtags, emoji with skin tones, mixed scripts, NFKC, Kazakh) is mixed in.

The output depends only on the options and the installed corpus: the same
--seed gives byte-identical output. Python 3 standard library only.

With --images K, K posts carry a picture (PNG, rendered with ImageMagick's
/usr/bin/convert) whose brand mention is only in the picture: a branded mirror
at an exhibition, a fake giveaway banner, an SMS-like delivery notice. sitod's
OCR lane reads them and the mentions follow as `from_image`.

Usage: make_firehose.py [--count N] [--seed S] [--mention-rate R] [--images K] [--out FILE]
"""

import argparse
import glob
import json
import os
import random
import sys

FORTUNES_DIR = "/usr/share/games/fortunes"
START_TIME = 1709856000  # 2024-03-08T00:00:00Z: 8 March, the florists' busiest day

# ---------------------------------------------------------------- corpus ----


def read_fortune_file(path):
    """The fortunes of one strfile source: records separated by a '%' line."""
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("koi8-r")  # older fortunes-ru files were KOI8-R
    out, cur = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip() == "%":
            out.append("\n".join(cur))
            cur = []
        else:
            cur.append(line.rstrip())
    out.append("\n".join(cur))
    return [unwrap(t) for t in out if t.strip()]


def unwrap(fortune):
    """Joins the hard-wrapped lines of a fortune into paragraphs, as people
    type posts; attributions ("-- Author") and dialogue dashes keep their line."""
    paras, cur = [], []
    for line in fortune.split("\n"):
        line = " ".join(line.split())
        if not line:
            if cur:
                paras.append(" ".join(cur))
                cur = []
        elif cur and line.startswith(("--", "—", "- ")):
            cur[-1] += "\n" + line
        else:
            cur.append(line)
    if cur:
        paras.append(" ".join(cur))
    return "\n\n".join(paras).replace(" \n", "\n")


def load_corpus(directory):
    """Fortunes from every *.u8 file in `directory` (each file once)."""
    files = sorted(glob.glob(os.path.join(directory, "*.u8")))
    if not files:  # a layout without the .u8 names: the plain strfile sources
        files = sorted(f for f in glob.glob(os.path.join(directory, "*"))
                       if os.path.isfile(f) and not f.endswith(".dat"))
    seen, texts = set(), []
    for f in files:
        real = os.path.realpath(f)
        if real in seen:
            continue
        seen.add(real)
        for t in read_fortune_file(real):
            if len(t) <= 4000:
                texts.append(t)
    return texts


# ------------------------------------------------------- metadata pools ----

# (source, source_type, weight for ru, weight for en)
SOURCES = [
    ("vk", "social", 30, 0),
    ("telegram", "messenger", 22, 3),
    ("x", "social", 6, 34),
    ("youtube", "video", 7, 14),
    ("otzovik", "review", 6, 0),
    ("irecommend", "review", 3, 0),
    ("yandex_maps", "maps", 3, 0),
    ("google_play", "app_store", 5, 12),
    ("app_store", "app_store", 4, 12),
    ("dzen", "blog", 5, 0),
    ("pikabu", "forum", 4, 0),
    ("lenta", "news", 3, 0),
    ("reddit", "forum", 0, 20),
    ("medium", "blog", 0, 5),
]

# Review and app cards; the first of each list is the brand's own.
CHANNELS = {
    "otzovik": ["otzovik:flowwow", "otzovik:ozon", "otzovik:wildberries", "otzovik:lamoda",
                "otzovik:sbermegamarket"],
    "irecommend": ["irecommend:flowwow", "irecommend:avito", "irecommend:yandex_eda",
                   "irecommend:dodo_pizza"],
    "yandex_maps": ["yandex_maps:flowwow", "yandex_maps:cvetochnaya_lavka_kazan",
                    "yandex_maps:tsvetochny_ryad_msk", "yandex_maps:azbuka_vkusa"],
    "google_play": ["google_play:ru.flowwow", "google_play:ru.ozon.app.android",
                    "google_play:com.avito.android", "google_play:ru.yandex.taxi",
                    "google_play:com.wildberries.ru", "google_play:ru.sberbank.online"],
    "app_store": ["app_store:flowwow", "app_store:ozon", "app_store:avito", "app_store:vkusvill",
                  "app_store:wildberries", "app_store:yandex_go"],
}

PLACES = {
    "vk": ["vk:flowwow", "vk:club_podslushano_msk", "vk:tsvety_kazan", "vk:public_mdk",
           "vk:tipichny_novosibirsk", "vk:konditery_rossii", "vk:club_8marta", "vk:lentach",
           "vk:club_rabota_kurierom", "vk:overhear_spb", "vk:kazan_online", "vk:recepty"],
    "telegram": ["telegram:flowwow_couriers", "telegram:konditery_chat", "telegram:florists_chat",
                 "telegram:moscow_chat", "telegram:mash", "telegram:rybar", "telegram:kazan_chat"],
    "youtube": ["youtube:UCflowwow", "youtube:UCvdud", "youtube:UCredakciya", "youtube:UCwylsacom"],
    "dzen": ["dzen:zen_flowers", "dzen:mama_blog", "dzen:biznes_sekrety"],
    "pikabu": ["pikabu:community_delivery", "pikabu:community_it"],
    "reddit": ["reddit:r/russia", "reddit:r/flowers", "reddit:r/apps", "reddit:r/AskReddit"],
}

RU_FIRST_F = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Юлия", "Алёна", "Ксения", "Дарья",
              "Екатерина", "Татьяна", "Светлана", "Ирина", "Полина", "Айгерим", "Динара"]
RU_FIRST_M = ["Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Артём", "Никита",
              "Павел", "Егор", "Максим", "Фёдор", "Ержан", "Тимур", "Руслан", "Олег"]
RU_LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков",
           "Морозов", "Петров", "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов"]
EN_FIRST_F = ["Emma", "Olivia", "Sophia", "Mia", "Grace", "Chloe", "Lucy", "Hannah"]
EN_FIRST_M = ["James", "Liam", "Noah", "Oliver", "Jack", "Ethan", "Lucas", "Henry"]
EN_LAST = ["Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Clark"]
RU_CITIES = [("RU", "Москва"), ("RU", "Москва"), ("RU", "Санкт-Петербург"), ("RU", "Казань"),
             ("RU", "Новосибирск"), ("RU", "Екатеринбург"), ("RU", "Нижний Новгород"),
             ("RU", "Краснодар"), ("RU", "Ростов-на-Дону"), ("KZ", "Алматы"), ("KZ", "Астана"),
             ("BY", "Минск")]
EN_CITIES = [("US", "New York"), ("US", "Austin"), ("GB", "London"), ("GB", "Leeds"),
             ("CA", "Toronto"), ("AU", "Sydney"), ("AE", "Dubai")]

TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                     "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "",
                     "e", "yu", "ya"]))


def translit(s):
    return "".join(TRANSLIT.get(c, c) for c in s.lower())


# ------------------------------------------------------ brand mentions ----

BRAND = ["Flowwow", "Flowwow", "flowwow", "Flowwow", "FLOWWOW", "Фловвов", "фловвов"]
BRAND_DAT = ["Flowwow", "Фловву", "фловвову", "Фловвову"]   # спасибо кому
BRAND_GEN = ["Flowwow", "Фловвова", "фловвова", "Flowwow"]  # от кого, у кого

# Russian snippets, by what they are about. {b}, {bd}, {bg}: the brand in the
# nominative, dative and genitive; the rest is fixed text.
RU_SNIPPETS = {
    "brand": [
        "Заказала маме букет через {b}, пришёл вовремя 😍",
        "Кто-нибудь заказывал торт на {b}? Стоит ли?",
        "Спасибо {bd} за доставку цветов, всё как на фото! #flowwow",
        "@flowwow_ru подскажите, можно поменять адрес доставки в заказе?",
        "Подарок другу в другой город отправила через {b}, удобно.",
        "Лучший интернет-магазин подарков — {b}, пользуюсь третий год",
    ],
    "delivery": [
        "Доставка цветов через {b} опоздала на три часа 😡",
        "{b}, где мой заказ? Курьер опоздал на два часа, букет завял",
        "Заказ к 8 марта так и не привезли. {b}, верните деньги!",
        "Доставку перенесли дважды, цветы привезли помятые. Больше никогда не закажу на {b} 😡",
        "Служба доставки {bg} — это что-то: задержка на полдня и никто не отвечает",
    ],
    "courier": [
        "Работаю курьером в {b} уже месяц: заказов хватает, выплаты вовремя",
        "Курьер {bg} позвонил заранее и всё привёз, спасибо ему 🙏",
        "Ищу подработку курьером, кто работал с {b}? Как там со сменами?",
        "Курьеры {bg}, вам тоже задерживают выплату за неделю?",
    ],
    "seller": [
        "Мы открыли свой магазин на {b}! Торты на заказ с доставкой по Казани 🎂",
        "Наш цветочный интернет-магазин теперь и на {b} 🌷",
        "Селлерам {bg}: как поднять рейтинг магазина в первые недели?",
        "Кондитерам на заметку: на {b} комиссия выше, но заказов больше",
    ],
    "charity": [
        "Перевела бонусы {bg} в благотворительный фонд, одной кнопкой ❤️",
        "Оказывается, бонусы {bg} можно пожертвовать фонду. Доброе дело за минуту",
        "Цветочная инсталляция {bg} на выставке «Любовь. От начала до конца» 😍",
    ],
    "fraud": [
        "Осторожно, мошенники! Группа раздаёт промокоды {bg}, это фейк",
        "Фейковый аккаунт пишет от имени {bg} и просит оплату на карту. Не ведитесь!",
    ],
    "app": [
        "Приложение {bg} вылетает после обновления, не могу оплатить заказ",
        "Обновила приложение {b}, теперь не работает оплата картой 😤",
        "Удобное приложение {b}: заказ за пару минут 👍",
    ],
    "price": [
        "На {b} букет роз к 8 марта стоит как крыло самолёта, наценка конская 😡",
        "Цены на цветы на {b} к празднику выросли втрое, это нормально?",
    ],
    # Posted by a fake account whose handle imitates the brand (see FAKE_HANDLES).
    "fake": [
        "РОЗЫГРЫШ от Fl0wwow! Дарим букет каждому подписчику, оплати только доставку по ссылке 🎁",
        "fIowwow дарит сертификат на 5000 ₽! Переходи по ссылке и введи данные карты",
        "Конкурс от flowwоw: букет бесплатно, промокод в профиле",
    ],
    # The brand's own replies (author: one of the topic's own accounts).
    "answer": [
        "Flowwow: здравствуйте! Приносим извинения за задержку, уже передали курьерской службе",
        "Flowwow: спасибо за отзыв! Передадим флористу 💐",
        "Flowwow: напишите номер заказа в личные сообщения, разберёмся",
    ],
}

# Handles of fake accounts: Latin/Cyrillic homoglyphs and digit swaps.
FAKE_HANDLES = ["fl0wwow_ru", "fIowwow_official", "flowwоw_ru"]
OWN_HANDLES = ["flowwow_ru", "flowwow_support"]

EN_SNIPPETS = {
    "brand": [
        "Ordered flowers for my mom on Flowwow, arrived right on time 😍",
        "Has anyone tried #flowwow for sending gifts abroad?",
        "Thanks @flowwow_ru, the bouquet looked exactly like the photo!",
    ],
    "delivery": [
        "Flowwow delivery was three hours late and the roses were wilted 😡",
        "@flowwow_ru my order never arrived, I want a refund",
    ],
    "courier": ["The Flowwow courier called ahead and was super polite, thanks!"],
    "seller": ["Just opened my cake shop on Flowwow! Delivery all over Moscow 🎂"],
    "app": ["The Flowwow app crashes after the latest update, can't pay 😤",
            "Great app, Flowwow makes sending flowers to my family easy 👍"],
}

# Generic pieces that only sometimes co-occur with the brand, for realism.
RU_GENERIC = ["Доставка цветов в Москве — сплошная лотерея.",
              "Курьер опять опоздал, второй раз за неделю 😡",
              "Кто знает хорошую доставку цветов в Казани?"]

REVIEW_TITLES_RU = ["Не рекомендую", "Всё понравилось",
                    "Цветы привезли вовремя", "Долгая доставка", "Букет не как на фото"]
TOPIC_WEIGHTS = [("brand", 30), ("delivery", 18), ("courier", 12), ("seller", 10), ("charity", 8),
                 ("fraud", 5), ("app", 10), ("price", 7), ("fake", 4), ("answer", 6)]

OCR_TEXTS = ["ЛЮБОВЬ. ОТ НАЧАЛА ДО КОНЦА\nflowwow", "СКИДКА 20%\nFLOWWOW.COM",
             "8 МАРТА\nДОСТАВКА ЦВЕТОВ ЗА 30 МИНУТ", "SALE -50%", "С ДНЁМ РОЖДЕНИЯ!",
             "Открыто 24/7", "Меню дня"]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def brand_snippet(rng, lang):
    """(what it is about, the text)."""
    if lang == "en":
        topic = weighted(rng, [(k, 1) for k in EN_SNIPPETS])
        return topic, rng.choice(EN_SNIPPETS[topic])
    topic = weighted(rng, TOPIC_WEIGHTS)
    return topic, rng.choice(RU_SNIPPETS[topic]).format(
        b=rng.choice(BRAND), bd=rng.choice(BRAND_DAT), bg=rng.choice(BRAND_GEN))


# -------------------------------------------------------------- posts ----


class Generator:
    def __init__(self, rng, ru, en, mention_rate):
        self.rng, self.ru, self.en = rng, ru, en
        self.mention_rate = mention_rate
        self.by_source = {}  # source -> ids of earlier posts, for replies
        self.recent = []     # earlier posts, for reposts
        self.authors = {}    # (lang, source) -> authors seen so far
        self.t = START_TIME

    def author(self, lang, source):
        rng = self.rng
        # Some authors post again: a third of the posts come from one seen before.
        pool = self.authors.setdefault((lang, source), [])
        if pool and rng.random() < 0.33:
            return dict(rng.choice(pool))
        female = rng.random() < 0.55
        if lang == "en":
            first = rng.choice(EN_FIRST_F if female else EN_FIRST_M)
            last = rng.choice(EN_LAST)
            country, city = rng.choice(EN_CITIES)
            handle = (first + "_" + last).lower() + str(rng.randint(1, 999))
        else:
            first = rng.choice(RU_FIRST_F if female else RU_FIRST_M)
            last = rng.choice(RU_LAST) + ("а" if female else "")
            country, city = rng.choice(RU_CITIES)
            handle = translit(first) + "_" + translit(last) + str(rng.randint(1, 99))
        # Heavy tail: most authors have tens of followers, a few have millions.
        followers = min(int(rng.paretovariate(0.75) * 30) - 30, 25_000_000)
        a = {"id": "%s:u%d" % (source, rng.randint(10**6, 10**9)), "handle": handle,
             "name": first + " " + last, "followers": followers,
             "verified": followers > 200_000 and rng.random() < 0.7,
             "gender": "f" if female else "m"}
        if rng.random() < 0.7:
            a["age"] = rng.randint(16, 70)
        a["country"] = country
        if rng.random() < 0.8:
            a["city"] = city
        pool.append(a)
        return dict(a)

    def url(self, source, pid, author, channel, place):
        rng = self.rng
        n = pid.split(":")[1]
        if source == "vk":
            return "https://vk.com/wall-%d_%s" % (rng.randint(10**6, 10**8), n)
        if source == "telegram":
            return "https://t.me/%s/%s" % (place.split(":", 1)[1], n)
        if source == "x":
            return "https://x.com/%s/status/17%s" % (author["handle"], n.zfill(17))
        if source == "youtube":
            abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
            return "https://www.youtube.com/watch?v=" + "".join(rng.choice(abc) for _ in range(11))
        if source == "google_play":
            return "https://play.google.com/store/apps/details?id=%s&reviewId=%s" % (
                channel.split(":", 1)[1], n)
        if source == "app_store":
            return "https://apps.apple.com/ru/app/%s/id%d?see-all=reviews" % (
                channel.split(":", 1)[1], rng.randint(10**8, 2 * 10**9))
        if source == "yandex_maps":
            return "https://yandex.ru/maps/org/%s/%d/reviews/" % (
                channel.split(":", 1)[1], rng.randint(10**9, 10**11))
        if source == "reddit":
            return "https://www.reddit.com/comments/%x/" % rng.randint(10**7, 10**9)
        return "https://%s.%s/%s" % (source, "com" if source == "medium" else "ru", n)

    def post(self, index):
        rng = self.rng
        lang = "ru" if (not self.en or rng.random() < 0.8) and self.ru else "en"
        weights = [(s, w_ru if lang == "ru" else w_en) for s, _, w_ru, w_en in SOURCES]
        source = weighted(rng, [p for p in weights if p[1] > 0])
        source_type = next(t for s, t, _, _ in SOURCES if s == source)
        pid = "%s:%d" % (source, 5_000_000 + index)
        # About four posts an hour: the default 2 000 posts span three weeks,
        # so the demo's weekly table (sito stats --by week) has several rows.
        self.t += max(1, int(rng.expovariate(1 / 900.0)))
        p = {"id": pid, "source": source, "source_type": source_type}

        channel = ""
        if source in CHANNELS:
            channel = rng.choice(CHANNELS[source])
            p["channel"] = channel
        if source in PLACES:
            p["place"] = rng.choice(PLACES[source])
        author = self.author(lang, source)
        p["url"] = self.url(source, pid, author, channel, p.get("place", ""))
        if source_type in ("review", "maps", "app_store"):
            author.pop("followers", None)  # review sites show no audience
        p["author"] = author
        p["published_at"] = self.t
        if rng.random() < 0.9:
            p["lang"] = lang

        # Reposts repeat an earlier post's text; everything else is a fortune.
        reposted = None
        if source in ("vk", "x", "telegram") and self.recent and rng.random() < 0.05:
            reposted = rng.choice(self.recent)
            p["is_repost"] = True
            text = reposted["text"]
        else:
            text = rng.choice(self.ru if lang == "ru" else self.en)
            if rng.random() < self.mention_rate:
                about, snippet = brand_snippet(rng, lang)
                if about in ("fake", "answer"):
                    handle = rng.choice(FAKE_HANDLES if about == "fake" else OWN_HANDLES)
                    author = {"id": "%s:%s" % (source, handle), "handle": handle, "name": "Flowwow",
                              "followers": rng.randint(50, 3000) if about == "fake" else 120_000,
                              "verified": about == "answer"}
                    p["author"] = author
                where = 0.0 if about in ("fake", "answer") else rng.random()
                if where < 0.4:
                    text = snippet
                elif where < 0.7:
                    text = snippet + "\n\n" + text
                else:
                    text = text + "\n\n" + snippet
            elif lang == "ru" and rng.random() < 0.01:
                text = text + "\n" + rng.choice(RU_GENERIC)

        title = ""
        if source_type in ("review", "maps") or (source_type == "app_store" and rng.random() < 0.5):
            brand_card = channel.endswith("flowwow")
            if lang == "en":
                title = rng.choice(["Great", "Disappointed", "Works fine", "Too slow"])
            elif brand_card and rng.random() < 0.3:
                title = "Отзыв: Flowwow — маркетплейс цветов и подарков"
            else:
                title = rng.choice(REVIEW_TITLES_RU)
        elif source_type in ("video", "blog", "news"):
            first = text.split("\n")[0]
            title = first if len(first) <= 90 else first[:87].rstrip() + "..."
        if title:
            p["title"] = title
        p["text"] = text
        if rng.random() < 0.06:
            p["image_text"] = rng.choice(OCR_TEXTS)

        prior = self.by_source.get(source)
        if (reposted is None and prior and source_type in ("social", "messenger", "video", "forum")
                and rng.random() < 0.15):
            p["parent_id"] = rng.choice(prior)
        reach = (author.get("followers") or 0) * rng.uniform(0.05, 0.6) + rng.randint(0, 200)
        p["reach"] = int(reach)
        p["engagement"] = int(reach * rng.uniform(0.0, 0.08))

        self.by_source.setdefault(source, []).append(pid)
        self.recent = (self.recent + [p])[-200:]
        return p


def edge_posts():
    """Hand-written posts that exercise normalization and tokenization."""
    a = {"id": "vk:u4242", "handle": "alena_kuznetsova", "name": "Алёна Кузнецова",
         "followers": 312, "gender": "f", "country": "RU", "city": "Москва"}
    return [
        {"id": "edge:hyphen", "source": "vk", "source_type": "social", "place": "vk:tsvety_kazan",
         "author": a, "lang": "ru",
         "text": "Лучший интернет-магазин подарков — Flowwow! Заказываю уже третий год, "
                 "интернет-магазины цветов рядом не стояли."},
        {"id": "edge:yo", "source": "telegram", "source_type": "messenger",
         "place": "telegram:moscow_chat", "author": a, "lang": "ru",
         "text": "Курьер Фловвова привёз всё вовремя, ещё и позвонил заранее. Всё отлично 👍"},
        {"id": "edge:hashtags", "source": "vk", "source_type": "social", "place": "vk:club_8marta",
         "author": a, "lang": "ru",
         "text": "Букет дня 🌷 #flowwow #доставкацветов #8марта #FlowwowДобро @flowwow_ru"},
        {"id": "edge:skin-tones", "source": "x", "source_type": "social",
         "author": {"id": "x:u77", "handle": "dasha_77", "name": "Даша", "followers": 15400,
                    "verified": False, "gender": "f", "country": "RU"},
         "lang": "ru",
         "text": "Спасибо @flowwow_ru 👍🏽👍🏿 и курьеру 🙏🏻 👩🏽‍💻 доставка цветов за 30 минут!"},
        {"id": "edge:angry-caps", "source": "vk", "source_type": "social", "place": "vk:flowwow",
         "channel": "vk:flowwow", "author": a, "lang": "ru",
         "text": "ФЛОВВОВ ВЕРНИТЕ ДЕНЬГИ!!! 😡😡😡 Заказ так и не привезли"},
        {"id": "edge:mixed-scripts", "source": "telegram", "source_type": "messenger",
         "place": "telegram:florists_chat", "author": a, "lang": "ru",
         "text": "Заказала в flowwow'е, flowwow-доставка норм. А вот Flоwwоw с русской «о» "
                 "поиск не найдёт, и FlowwowМаркет тоже"},
        {"id": "edge:fullwidth", "source": "x", "source_type": "social",
         "author": {"id": "x:u78", "handle": "wide_text", "followers": 9}, "lang": "en",
         "text": "ｆｌｏｗｗｏｗ delivery ｌａｔｅ again 😡"},
        {"id": "edge:apostrophes", "source": "x", "source_type": "social",
         "author": {"id": "x:u79", "handle": "emma_b", "name": "Emma Brown", "followers": 880,
                    "gender": "f", "country": "GB", "city": "London"},
         "lang": "en",
         "text": "Flowwow's courier didn't call and the bouquet's wilted 😡 #flowwow"},
        {"id": "edge:kazakh", "source": "telegram", "source_type": "messenger",
         "place": "telegram:kazan_chat",
         "author": {"id": "tg:u5", "handle": "aigerim_s", "name": "Айгерим Сәрсенова",
                    "followers": 540, "gender": "f", "country": "KZ", "city": "Алматы"},
         "lang": "kk",
         "text": "Flowwow арқылы анама гүл шоғын жібердім. Жеткізу өте жылдам болды, рақмет! 😍"},
        {"id": "edge:image-only", "source": "vk", "source_type": "social", "place": "vk:public_mdk",
         "author": a, "lang": "ru", "text": "Сфоткалась у зеркала на выставке 😍",
         "image_text": "ЛЮБОВЬ. ОТ НАЧАЛА ДО КОНЦА\nflowwow"},
        {"id": "otzovik:edge-review", "source": "otzovik", "source_type": "review",
         "channel": "otzovik:flowwow", "url": "https://otzovik.com/review_100500.html",
         "author": {"id": "otzovik:u1", "handle": "marina1985"}, "lang": "ru",
         "title": "Цветы привезли увядшие",
         "text": "Заказывала розы на день рождения, курьер опоздал на два часа, половина "
                 "цветов завяла. Поддержка извинилась, вернули 30%."},
        {"id": "app_store:edge-app", "source": "app_store", "source_type": "app_store",
         "channel": "app_store:flowwow", "author": {"id": "app_store:u9", "handle": "kate_m"},
         "lang": "ru", "title": "Вылетает",
         "text": "Приложение вылетает при оплате картой после последнего обновления"},
        {"id": "edge:brand-reply", "source": "otzovik", "source_type": "review",
         "channel": "otzovik:flowwow", "parent_id": "otzovik:edge-review",
         "author": {"id": "otzovik:flowwow", "handle": "flowwow_ru", "name": "Flowwow",
                    "verified": True},
         "lang": "ru",
         "text": "Марина, здравствуйте! Нам очень жаль. Напишите номер заказа в личные "
                 "сообщения, разберёмся с курьерской службой."},
        {"id": "edge:dance-studio", "source": "vk", "source_type": "social",
         "place": "vk:tipichny_novosibirsk", "author": a, "lang": "ru",
         "text": "Танцевальная студия Flow Wow объявляет набор в группу по хип-хопу"},
    ] + giveaway_wave()


# The Lamoda case of the issue, with Flowwow's name: one fake giveaway copied
# with small edits by big communities. Each is a near-duplicate of the first
# (sitod: duplicate_of), and six distinct authors make a campaign alert.
GIVEAWAY_TEXTS = [
    "Розыгрыш от Flowwow! Букет каждому подписчику, нужно только оплатить доставку по ссылке в профиле. "
    "Успей до конца недели",
    "РОЗЫГРЫШ от Flowwow!!! Букет каждому подписчику, нужно только оплатить доставку по ссылке в профиле. "
    "Успей до конца недели 🎁",
    "Розыгрыш от Flowwow: букет каждому подписчику, нужно только оплатить доставку по ссылке в профиле! "
    "Успей до конца недели #розыгрыш",
    "Репост! Розыгрыш от Flowwow! Букет каждому подписчику, нужно только оплатить доставку по ссылке в профиле. "
    "Успей до конца недели",
    "розыгрыш от flowwow — букет каждому подписчику, нужно только оплатить доставку по ссылке в профиле, "
    "успей до конца недели 🌷🌷",
    "Розыгрыш от Flowwow! Букет каждому подписчику, нужно только оплатить доставку по ссылке в шапке профиля. "
    "Успей до конца недели",
]
GIVEAWAY_COMMUNITIES = ["vk:mdk", "vk:typical_moscow", "vk:lentach_fans", "vk:podslushano_spb",
                        "vk:kazan_online", "vk:novosti_ekb"]


def giveaway_wave():
    return [{"id": "giveaway:%d" % k, "source": "vk", "source_type": "social", "place": place,
             "author": {"id": place, "handle": place.split(":")[1], "followers": 250000 + 41000 * k},
             "lang": "ru", "text": text}
            for k, (text, place) in enumerate(zip(GIVEAWAY_TEXTS, GIVEAWAY_COMMUNITIES))]


# Posts whose brand mention is only in their picture (--images): what the
# sitod OCR lane reads. (caption, the post's own text, author handle)
PICTURE_POSTS = [
    ("ЛЮБОВЬ.\nОТ НАЧАЛА ДО КОНЦА\nFLOWWOW", "Были на выставке, красиво 😍 #выставка #зеркало", "masha_art"),
    ("РОЗЫГРЫШ ОТ FLOWWOW!\nБУКЕТ КАЖДОМУ\nОПЛАТИ ДОСТАВКУ ПО ССЫЛКЕ", "Успей! 🎁🎁🎁", "fl0wwow_gift"),
    ("Ваш заказ FLOWWOW\nдоставлен. Спасибо!", "Мама получила цветы ❤️", "olga_k_77"),
]


def render_picture(caption):
    """PNG bytes of `caption` rendered by ImageMagick, or None without it.
    Metadata (dates) is left out so the same caption gives the same bytes."""
    import subprocess
    convert = "/usr/bin/convert"  # /usr/local/bin/convert may be a stand-in on these machines
    if not os.path.exists(convert):
        return None
    try:
        return subprocess.run(
            [convert, "-background", "#f4e1c1", "-fill", "#202020", "-font", "DejaVu-Sans-Bold",
             "-pointsize", "40", "-gravity", "center", "label:" + caption.replace("%", "%%"),
             "-bordercolor", "#f4e1c1", "-border", "40", "-strip",
             "-define", "png:exclude-chunks=date,time", "png:-"],
            check=True, capture_output=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def picture_posts(count, t0):
    import base64
    out = []
    for k in range(count):
        caption, text, handle = PICTURE_POSTS[k % len(PICTURE_POSTS)]
        png = render_picture(caption)
        if png is None:
            sys.stderr.write("make_firehose: /usr/bin/convert (imagemagick) not found; no picture posts\n")
            return []
        out.append({"id": "instagram:pic%d" % k, "source": "instagram", "source_type": "social",
                    "url": "https://www.instagram.com/p/pic%d/" % k,
                    "author": {"id": "instagram:" + handle, "handle": handle, "followers": 800 + 37 * k},
                    "published_at": t0 + k, "lang": "ru", "text": text,
                    "images": [{"data": base64.b64encode(png).decode("ascii"), "mime": "image/png"}]})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=2000, help="posts to write (default 2000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--mention-rate", type=float, default=0.05,
                    help="share of posts with an injected brand mention (default 0.05)")
    ap.add_argument("--out", default="-", help="output file (default: stdout)")
    ap.add_argument("--no-edge", action="store_true", help="leave out the hand-written edge posts")
    ap.add_argument("--images", type=int, default=0,
                    help="posts whose brand mention is only in an attached picture (rendered with ImageMagick)")
    ap.add_argument("--fortunes-dir", default=FORTUNES_DIR, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.count < 0 or not 0.0 <= args.mention_rate <= 1.0:
        ap.error("--count must be >= 0 and --mention-rate within [0, 1]")

    ru = load_corpus(os.path.join(args.fortunes_dir, "ru"))
    en = load_corpus(args.fortunes_dir)
    if not ru and not en:
        sys.exit("make_firehose: no fortunes under %s; install fortunes-ru and fortunes "
                 "(ops/setup --deps-only)" % args.fortunes_dir)

    rng = random.Random(args.seed)
    gen = Generator(rng, ru, en, args.mention_rate)
    edges = [] if args.no_edge else edge_posts()
    edges = (edges + picture_posts(args.images, START_TIME))[:args.count]
    n_corpus = args.count - len(edges)
    # Edge posts sit at fixed, seed-chosen places in the stream.
    slots = sorted(rng.sample(range(args.count), len(edges))) if edges else []
    slot_of = dict(zip(slots, edges))

    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8", newline="\n")
    made = 0
    try:
        for i in range(args.count):
            if i in slot_of:
                p = dict(slot_of[i])
                gen.t += 7
                p.setdefault("published_at", gen.t)
            else:
                p = gen.post(made)
                made += 1
            out.write(json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n")
        out.flush()
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        sys.exit(1)
    finally:
        if out is not sys.stdout:
            out.close()
    assert made == n_corpus


if __name__ == "__main__":
    main()
