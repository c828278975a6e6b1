"""What the demo's "After delivery" survey asks, and what customers write back, per language.

    SOURCE_LABELS["instagram"]["fa"]    ->  "اینستاگرام"
    WRITTEN_ANSWERS["lv"]["packaging"]  ->  ("Pārāk daudz plastmasas, ...", ...)

The survey speaks every shipped language (en, pl, lv, fa, zh-hans, zh-hant): its
heading, each question and each choice. The written answers to "Anything we
could do better?" have the same six themes in each language, so the same
wishes recur across languages: less plastic and crushed boxes (packaging),
parcel lockers and tracking (delivery), the size guide (sizes), colours and
restocks (range), gift wrapping (gift), and the many who have nothing to add
(nothing). `demo.custom_survey` picks one answer, its theme weighted by the
customer's packaging rating, what they bought for, and how far the parcel
travelled.
"""

SURVEY_TEXTS = {
    "en": {"question": "Your order has arrived: four quick questions"},
    "pl": {"question": "Twoje zamówienie dotarło: cztery krótkie pytania"},
    "lv": {"question": "Jūsu pasūtījums ir piegādāts: četri īsi jautājumi"},
    "fa": {"question": "سفارش شما رسید: چهار سؤال کوتاه"},
    "zh-hans": {"question": "您的订单已送达：四个简单的问题"},
    "zh-hant": {"question": "您的訂單已送達：四個簡單的問題"},
}
RATING_TEXTS = {
    "en": "How was the packaging?",
    "pl": "Jak oceniasz opakowanie?",
    "lv": "Kā jums patika iepakojums?",
    "fa": "بسته‌بندی چطور بود؟",
    "zh-hans": "您觉得包装怎么样？",
    "zh-hant": "您覺得包裝怎麼樣？",
}
SOURCE_TEXTS = {
    "en": "How did you first hear of us?",
    "pl": "Skąd się o nas dowiedziałeś?",
    "lv": "Kā jūs pirmo reizi uzzinājāt par mums?",
    "fa": "اولین بار از کجا با ما آشنا شدید؟",
    "zh-hans": "您最初是通过什么渠道了解到我们的？",
    "zh-hant": "您最初是從哪裡得知我們的？",
}
SOURCE_LABELS = {
    "friend": {"en": "From a friend", "pl": "Od znajomych", "lv": "No drauga", "fa": "از طریق دوستان",
               "zh-hans": "朋友推荐", "zh-hant": "朋友推薦"},
    "instagram": {"en": "Instagram", "pl": "Instagram", "lv": "Instagram", "fa": "اینستاگرام",
                  "zh-hans": "Instagram", "zh-hant": "Instagram"},
    "search": {"en": "Searching online", "pl": "Z wyszukiwarki", "lv": "Meklējot internetā",
               "fa": "جستجو در اینترنت", "zh-hans": "网上搜索", "zh-hant": "網路搜尋"},
    "ad": {"en": "An ad", "pl": "Z reklamy", "lv": "No reklāmas", "fa": "تبلیغات", "zh-hans": "广告",
           "zh-hant": "廣告"},
}  # fmt: skip
PURPOSE_TEXTS = {
    "en": "What did you buy it for?",
    "pl": "Dla kogo lub na co był ten zakup?",
    "lv": "Kam vai kādam nolūkam bija šis pirkums?",
    "fa": "این خرید را برای چه انجام دادید؟",
    "zh-hans": "您这次购买是为了什么？",
    "zh-hant": "您這次購買是為了什麼？",
}
PURPOSE_LABELS = {
    "myself": {"en": "Myself", "pl": "Dla siebie", "lv": "Sev", "fa": "برای خودم", "zh-hans": "自己用",
               "zh-hant": "自己用"},
    "gift": {"en": "A gift", "pl": "Na prezent", "lv": "Dāvanai", "fa": "به عنوان هدیه", "zh-hans": "送礼",
             "zh-hant": "送禮"},
    "work": {"en": "Work", "pl": "Do pracy", "lv": "Darbam", "fa": "برای کار", "zh-hans": "工作需要",
             "zh-hant": "工作需要"},
    "occasion": {"en": "A special occasion", "pl": "Na specjalną okazję", "lv": "Īpašam notikumam",
                 "fa": "برای یک مناسبت خاص", "zh-hans": "特别场合", "zh-hant": "特別場合"},
}  # fmt: skip
WRITTEN_TEXTS = {
    "en": "Anything we could do better?",
    "pl": "Co moglibyśmy robić lepiej?",
    "lv": "Ko mēs varētu darīt labāk?",
    "fa": "چه کاری را می‌توانیم بهتر انجام دهیم؟",
    "zh-hans": "我们还有哪些地方可以做得更好？",
    "zh-hant": "我們還有哪些地方可以做得更好？",
}
WRITTEN_THEMES = ("packaging", "delivery", "sizes", "range", "gift", "nothing")

WRITTEN_ANSWERS = {
    "en": {
        "packaging": (
            "Less plastic please, paper would be fine.",
            "The box arrived a bit crushed.",
            "A huge box for one T-shirt seems wasteful.",
        ),
        "delivery": (
            "Faster international shipping would be great.",
            "Tracking didn't update for two days.",
            "Please add a pick-up point option.",
        ),
        "sizes": (
            "The size guide could be more accurate, it runs small.",
            "More larger sizes, please.",
            "Show measurements in cm and inches for each item.",
        ),
        "range": (
            "More colours please!",
            "My size sold out quickly, please restock.",
            "A bigger men's range would be nice.",
        ),
        "gift": (
            "A gift-wrapping option would be lovely.",
            "Please leave the price off the packing slip for gifts.",
            "A small card for a message would be a nice touch.",
        ),
        "nothing": (
            "Nothing, everything was great!",
            "Keep doing what you're doing.",
            "No complaints, very happy.",
        ),
    },
    "pl": {
        "packaging": (
            "Za dużo folii w paczce, wolałabym papier.",
            "Karton przyszedł trochę zgnieciony.",
            "Ogromne pudło na jedną koszulkę, szkoda materiału.",
        ),
        "delivery": (
            "Dodajcie dostawę do paczkomatu.",
            "Śledzenie przesyłki nie działało przez dwa dni.",
            "Mogłoby być szybciej, czekałem prawie tydzień.",
        ),
        "sizes": (
            "Tabela rozmiarów mogłaby być dokładniejsza, bluza jest mniejsza niż M.",
            "Więcej większych rozmiarów, proszę.",
            "Podawajcie wymiary w centymetrach przy każdym produkcie.",
        ),
        "range": (
            "Więcej kolorów!",
            "Mój rozmiar szybko się wyprzedał, uzupełnijcie stan.",
            "Przydałoby się więcej rzeczy dla mężczyzn.",
        ),
        "gift": (
            "Brakuje opcji pakowania na prezent.",
            "Przy prezentach nie wkładajcie do paczki paragonu z ceną.",
            "Mała kartka z życzeniami byłaby miłym dodatkiem.",
        ),
        "nothing": (
            "Wszystko super, dziękuję!",
            "Nic, tak trzymać.",
            "Nie mam uwag, jestem zadowolona.",
        ),
    },
    "lv": {
        "packaging": (
            "Pārāk daudz plastmasas, labāk izmantojiet papīru.",
            "Kaste atnāca nedaudz saspiesta.",
            "Milzīga kaste vienam kreklam, žēl materiāla.",
        ),
        "delivery": (
            "Lūdzu, pievienojiet piegādi uz pakomātu.",
            "Sūtījuma izsekošana divas dienas nedarbojās.",
            "Piegāde varētu būt ātrāka, gaidīju gandrīz nedēļu.",
        ),
        "sizes": (
            "Izmēru tabula varētu būt precīzāka, džemperis ir mazāks nekā M.",
            "Lūdzu, vairāk lielo izmēru.",
            "Norādiet izmērus centimetros katram produktam.",
        ),
        "range": (
            "Vairāk krāsu, lūdzu!",
            "Mans izmērs ātri beidzās, papildiniet krājumus.",
            "Gribētos vairāk preču vīriešiem.",
        ),
        "gift": (
            "Pietrūkst dāvanu iesaiņojuma iespējas.",
            "Dāvanām neielieciet paciņā čeku ar cenu.",
            "Maza apsveikuma kartīte būtu jauks papildinājums.",
        ),
        "nothing": (
            "Viss bija lieliski, paldies!",
            "Nekas, turpiniet tāpat.",
            "Nav iebildumu, esmu apmierināta.",
        ),
    },
    "fa": {
        "packaging": (
            "بسته‌بندی خیلی پلاستیک داشت، لطفاً از کاغذ استفاده کنید.",
            "جعبه موقع رسیدن کمی له شده بود.",
            "جعبه برای یک تی‌شرت خیلی بزرگ بود.",
        ),
        "delivery": (
            "کاش ارسال به ایران سریع‌تر بود.",
            "کد رهگیری چند روز به‌روز نشد.",
            "لطفاً ارسال اکسپرس را هم اضافه کنید.",
        ),
        "sizes": (
            "راهنمای سایز دقیق‌تر باشد، لباس کمی کوچک بود.",
            "سایزهای بزرگ‌تر هم داشته باشید.",
            "کاش اندازه‌ها را به سانتی‌متر هم می‌نوشتید.",
        ),
        "range": (
            "رنگ‌های بیشتری اضافه کنید.",
            "سایز من زود تمام شد، لطفاً دوباره موجود کنید.",
            "مدل‌های بیشتری برای آقایان بگذارید.",
        ),
        "gift": (
            "کاش امکان کادوپیچی داشتید.",
            "برای هدیه، فاکتور را بدون قیمت بفرستید.",
            "یک کارت تبریک کوچک هم اضافه کنید.",
        ),
        "nothing": (
            "همه چیز عالی بود، ممنون!",
            "نه، همین‌طور ادامه دهید.",
            "چیزی به ذهنم نمی‌رسد، راضی بودم.",
        ),
    },
    "zh-hans": {
        "packaging": (
            "塑料包装太多了，希望能换成纸质的。",
            "收到的时候盒子有点压坏了。",
            "一件T恤用这么大的箱子，有点浪费。",
        ),
        "delivery": (
            "希望国际物流能再快一点。",
            "物流信息好几天都没更新。",
            "希望能增加加急配送。",
        ),
        "sizes": (
            "尺码表可以再准确一些，偏小。",
            "希望能多出一些大码。",
            "建议标注详细的衣长和胸围。",
        ),
        "range": (
            "希望多出几种颜色。",
            "我的尺码很快就断货了，希望补货。",
            "男款可以再多一些。",
        ),
        "gift": (
            "希望可以提供礼品包装。",
            "送礼的话，最好不要在包裹里放价格单。",
            "可以附一张小贺卡就更好了。",
        ),
        "nothing": (
            "都很好，谢谢！",
            "没有，继续保持。",
            "暂时没有，很满意。",
        ),
    },
    "zh-hant": {
        "packaging": (
            "塑膠包裝太多了，希望能改用紙材。",
            "收到的時候盒子有點壓壞了。",
            "一件T恤用這麼大的箱子，有點浪費。",
        ),
        "delivery": (
            "希望可以寄到超商取貨。",
            "物流資訊好幾天都沒更新。",
            "希望能增加快速到貨的選項。",
        ),
        "sizes": (
            "尺寸表可以再準確一些，偏小。",
            "希望能多出一些大尺碼。",
            "建議標註詳細的衣長和胸圍。",
        ),
        "range": (
            "希望多出幾種顏色。",
            "我的尺碼很快就缺貨了，希望補貨。",
            "男款可以再多一些。",
        ),
        "gift": (
            "希望可以提供禮品包裝。",
            "送禮的話，最好不要在包裹裡放價格單。",
            "可以附一張小卡片就更好了。",
        ),
        "nothing": (
            "都很好，謝謝！",
            "沒有，繼續保持。",
            "目前沒有，很滿意。",
        ),
    },
}
