"""What the demo help desk's customers write, and what staff answer, in the six shipped languages.

Each topic has, per language: a subject, the customer's first message, and
the staff's answer. Slots: {order} (#1234), {first} (the customer's first
name), {size}, {size2}, {code}, {company}, {store}. Staff notes are in
English (the team's working language); a few shared lines (the customer's
thanks, a nudge, the staff's closing) end longer conversations.

Demo data, not interface text: nothing here is translated.
"""

TOPICS = ("where", "return", "exchange", "damaged", "invoice", "wholesale", "discount")

TEXTS = {
    "en": {
        "where": (
            "Where is my order {order}?",
            "Hi, I ordered {order} over a week ago and the tracking hasn't moved since Monday. "
            "Could you check where it is? Thanks, {first}",
            "Hi {first}, thanks for your patience. Order {order} left our warehouse on Tuesday; the "
            "carrier had a backlog and it is now out for delivery. It should reach you within 1-2 "
            "working days.",
        ),
        "return": (
            "Return for order {order}",
            "Hello, I'd like to return the dress from order {order}, it doesn't fit well. "
            "How do I send it back?",
            "Hi {first}, of course. I've emailed you a prepaid return label for {order}: print it, "
            "stick it on the parcel and drop it at any post office. The refund follows within "
            "5 days of the parcel reaching us.",
        ),
        "exchange": (
            "Exchange size {size} for {size2}",
            "Hi! The trainers from {order} are size {size} and too small. Can I exchange them for {size2}?",
            "Hi {first}, size {size2} is in stock and I've reserved a pair for you. Send the {size} "
            "back with the label I've attached and we'll ship the {size2} as soon as it is scanned.",
        ),
        "damaged": (
            "Item arrived damaged ({order})",
            "My parcel {order} arrived today and the jacket has a torn seam on the sleeve. "
            "I've attached a photo. What can you do?",
            "Hi {first}, I'm so sorry about that. We're sending a replacement today at no cost; "
            "please keep the damaged jacket, no need to return it.",
        ),
        "invoice": (
            "VAT invoice for {order}",
            "Hello, could you send me a VAT invoice for order {order}? Company: {company}, VAT "
            "number GB 123 4567 89.",
            "Hi {first}, the VAT invoice for {order} made out to {company} is attached. Let me know "
            "if any detail needs changing.",
        ),
        "wholesale": (
            "Wholesale inquiry",
            "Hello, I run a small boutique ({company}) and would like to stock your products. "
            "Do you offer wholesale prices, and what is the minimum order?",
            "Hi {first}, thank you for your interest! Our wholesale minimum is 30 pieces with 40% "
            "off retail. I've attached our price list; our wholesale team will call you this week.",
        ),
        "discount": (
            "Discount code not working",
            "Hi, the code {code} from your newsletter says 'invalid' at checkout. Can you help?",
            "Hi {first}, sorry about that: {code} only applied to full-price items. I've made you a "
            "new code, {code}-X, valid on everything for 7 days.",
        ),
        "thanks": (
            "Thank you, that's great!",
            "Got it, thanks a lot for the quick help.",
            "Perfect, thank you!",
        ),
        "nudge": ("Hi, any news on this? I still haven't heard back.",),
        "closing": ("You're welcome, {first}! Have a lovely week. The {store} team",),
    },
    "pl": {
        "where": (
            "Gdzie jest moje zamówienie {order}?",
            "Dzień dobry, zamówiłam {order} ponad tydzień temu, a status przesyłki nie zmienia się "
            "od poniedziałku. Czy mogą Państwo sprawdzić, gdzie jest paczka? Pozdrawiam, {first}",
            "Dzień dobry, dziękujemy za cierpliwość. Zamówienie {order} wyjechało z magazynu we "
            "wtorek, kurier miał opóźnienia, ale paczka jest już w doręczeniu. Powinna dotrzeć w "
            "ciągu 1-2 dni roboczych.",
        ),
        "return": (
            "Zwrot zamówienia {order}",
            "Dzień dobry, chciałabym zwrócić sukienkę z zamówienia {order}, niestety nie pasuje. "
            "Jak mogę ją odesłać?",
            "Dzień dobry, oczywiście. Wysłaliśmy e-mailem etykietę zwrotną do zamówienia {order}. "
            "Wystarczy ją wydrukować i nadać paczkę w dowolnym punkcie. Zwrot pieniędzy nastąpi w "
            "ciągu 5 dni od otrzymania przesyłki.",
        ),
        "exchange": (
            "Wymiana rozmiaru {size} na {size2}",
            "Dzień dobry, buty z zamówienia {order} w rozmiarze {size} są za małe. Czy mogę je "
            "wymienić na rozmiar {size2}?",
            "Dzień dobry, rozmiar {size2} jest dostępny i zarezerwowaliśmy go dla Pani. Prosimy "
            "odesłać buty w rozmiarze {size} z załączoną etykietą, a nowe wyślemy od razu po "
            "nadaniu paczki.",
        ),
        "damaged": (
            "Uszkodzony produkt w zamówieniu {order}",
            "Dzień dobry, paczka {order} dotarła dzisiaj, ale kurtka ma rozpruty szew na rękawie. "
            "W załączniku przesyłam zdjęcie. Co możemy zrobić?",
            "Dzień dobry, bardzo przepraszamy. Jeszcze dziś wyślemy nową kurtkę bez dodatkowych "
            "kosztów, uszkodzonej nie trzeba odsyłać.",
        ),
        "invoice": (
            "Faktura VAT do zamówienia {order}",
            "Dzień dobry, proszę o wystawienie faktury VAT do zamówienia {order}. Dane firmy: "
            "{company}, NIP 525-000-00-00.",
            "Dzień dobry, w załączniku przesyłamy fakturę VAT do zamówienia {order} na firmę "
            "{company}. Gdyby trzeba było coś poprawić, prosimy o informację.",
        ),
        "wholesale": (
            "Zapytanie o współpracę hurtową",
            "Dzień dobry, prowadzę sklep stacjonarny {company} i chciałabym wprowadzić Państwa "
            "produkty do oferty. Czy mają Państwo ceny hurtowe i jakie jest minimalne zamówienie?",
            "Dzień dobry, dziękujemy za zainteresowanie! Minimalne zamówienie hurtowe to 30 sztuk, "
            "rabat wynosi 40% od ceny detalicznej. W załączniku cennik; nasz dział hurtu zadzwoni "
            "w tym tygodniu.",
        ),
        "discount": (
            "Kod rabatowy nie działa",
            "Dzień dobry, kod {code} z newslettera przy kasie pokazuje komunikat, że jest "
            "nieprawidłowy. Co robię źle?",
            "Dzień dobry, przepraszamy za kłopot: kod {code} obejmował tylko produkty w regularnej "
            "cenie. Przygotowaliśmy nowy kod {code}-X, ważny na cały asortyment przez 7 dni.",
        ),
        "thanks": ("Dziękuję bardzo, wszystko jasne!", "Super, dziękuję za szybką pomoc.", "Dziękuję!"),
        "nudge": ("Dzień dobry, czy jest coś nowego w tej sprawie? Nadal czekam na odpowiedź.",),
        "closing": ("Cieszymy się, że mogliśmy pomóc. Pozdrawiamy, zespół {store}",),
    },
    "lv": {
        "where": (
            "Kur ir mans pasūtījums {order}?",
            "Labdien, pasūtīju {order} pirms vairāk nekā nedēļas, bet sūtījuma statuss nav mainījies "
            "kopš pirmdienas. Vai varat pārbaudīt, kur tas ir? Paldies, {first}",
            "Labdien, paldies par pacietību! Pasūtījums {order} izbrauca no noliktavas otrdien; "
            "kurjeram bija kavēšanās, bet tagad sūtījums jau tiek piegādāts. Tam vajadzētu pienākt "
            "1-2 darba dienu laikā.",
        ),
        "return": (
            "Pasūtījuma {order} atgriešana",
            "Labdien, vēlos atgriezt kleitu no pasūtījuma {order}, jo tā neder. Kā to varu nosūtīt atpakaļ?",
            "Labdien, protams! Nosūtījām jums e-pastā atgriešanas etiķeti pasūtījumam {order}. "
            "Izdrukājiet to un nododiet sūtījumu jebkurā pasta nodaļā. Naudu atmaksāsim 5 dienu "
            "laikā pēc sūtījuma saņemšanas.",
        ),
        "exchange": (
            "Izmēra {size} maiņa uz {size2}",
            "Labdien, apavi no pasūtījuma {order} izmērā {size} ir par mazu. Vai varu tos apmainīt "
            "pret izmēru {size2}?",
            "Labdien, izmērs {size2} ir noliktavā, un mēs to jums rezervējām. Lūdzu, nosūtiet "
            "atpakaļ izmēru {size} ar pievienoto etiķeti, un jaunos apavus nosūtīsim uzreiz.",
        ),
        "damaged": (
            "Bojāta prece pasūtījumā {order}",
            "Labdien, sūtījums {order} pienāca šodien, bet jakai ir saplīsusi vīle uz piedurknes. "
            "Pielikumā ir fotogrāfija. Ko varam darīt?",
            "Labdien, mums ļoti žēl! Vēl šodien nosūtīsim jaunu jaku bez maksas, bojāto nav jāatgriež.",
        ),
        "invoice": (
            "PVN rēķins pasūtījumam {order}",
            "Labdien, lūdzu, izrakstiet PVN rēķinu pasūtījumam {order}. Uzņēmums: {company}, PVN "
            "numurs LV40000000000.",
            "Labdien, pielikumā ir PVN rēķins pasūtījumam {order} uz uzņēmumu {company}. Ja kaut kas "
            "jālabo, lūdzu, dodiet ziņu.",
        ),
        "wholesale": (
            "Vairumtirdzniecības pieprasījums",
            "Labdien, man ir neliels veikals {company}, un es vēlētos tirgot jūsu preces. Vai "
            "piedāvājat vairumtirdzniecības cenas, un kāds ir minimālais pasūtījums?",
            "Labdien, paldies par interesi! Minimālais vairumtirdzniecības pasūtījums ir 30 preces "
            "ar 40% atlaidi. Pielikumā ir cenrādis; mūsu vairumtirdzniecības komanda jums piezvanīs "
            "šonedēļ.",
        ),
        "discount": (
            "Atlaides kods nedarbojas",
            "Labdien, kods {code} no jaunumu vēstules pie apmaksas rāda, ka tas nav derīgs. Vai "
            "varat palīdzēt?",
            "Labdien, atvainojamies: kods {code} bija derīgs tikai precēm par pilnu cenu. Izveidojām "
            "jums jaunu kodu {code}-X, kas derīgs visām precēm 7 dienas.",
        ),
        "thanks": ("Liels paldies, viss skaidrs!", "Paldies par ātro palīdzību!", "Paldies!"),
        "nudge": ("Labdien, vai ir kādi jaunumi? Joprojām gaidu atbildi.",),
        "closing": ("Priecājamies, ka varējām palīdzēt! Ar cieņu, {store} komanda",),
    },
    "fa": {
        "where": (
            "سفارش {order} من کجاست؟",
            "سلام، سفارش {order} را بیش از یک هفته پیش ثبت کردم ولی وضعیت ارسال از دوشنبه تغییری "
            "نکرده است. لطفاً بررسی کنید بسته کجاست. ممنون، {first}",
            "سلام {first} عزیز، از صبر شما ممنونیم. سفارش {order} روز سه‌شنبه از انبار ارسال شد و "
            "اکنون در حال تحویل است. ظرف یک تا دو روز کاری به دستتان می‌رسد.",
        ),
        "return": (
            "مرجوعی سفارش {order}",
            "سلام، می‌خواهم لباس سفارش {order} را مرجوع کنم چون اندازه‌ام نیست. چطور باید آن را برگردانم؟",
            "سلام {first} عزیز، حتماً. برچسب مرجوعی سفارش {order} را برایتان ایمیل کردیم. آن را "
            "چاپ کنید و بسته را به اداره پست تحویل دهید. مبلغ تا پنج روز پس از رسیدن بسته بازگردانده "
            "می‌شود.",
        ),
        "exchange": (
            "تعویض سایز {size} با {size2}",
            "سلام، کفش سفارش {order} سایز {size} است و برایم کوچک است. می‌توانم آن را با سایز "
            "{size2} عوض کنم؟",
            "سلام {first} عزیز، سایز {size2} موجود است و برای شما کنار گذاشتیم. لطفاً سایز {size} را "
            "با برچسب پیوست برگردانید تا کفش جدید را بلافاصله ارسال کنیم.",
        ),
        "damaged": (
            "کالای آسیب‌دیده در سفارش {order}",
            "سلام، بسته {order} امروز رسید ولی درز آستین کاپشن پاره شده است. عکس را پیوست کرده‌ام. "
            "لطفاً راهنمایی کنید.",
            "سلام {first} عزیز، واقعاً متأسفیم. همین امروز یک کاپشن نو بدون هزینه برایتان ارسال "
            "می‌کنیم و نیازی به برگرداندن کالای آسیب‌دیده نیست.",
        ),
        "invoice": (
            "فاکتور رسمی سفارش {order}",
            "سلام، لطفاً برای سفارش {order} فاکتور رسمی با مالیات بر ارزش افزوده صادر کنید. نام "
            "شرکت: {company}.",
            "سلام {first} عزیز، فاکتور رسمی سفارش {order} به نام {company} پیوست شده است. اگر نیاز "
            "به اصلاح داشت، به ما اطلاع دهید.",
        ),
        "wholesale": (
            "درخواست خرید عمده",
            "سلام، من فروشگاه کوچکی به نام {company} دارم و می‌خواهم محصولات شما را بفروشم. آیا قیمت "
            "عمده دارید و حداقل سفارش چقدر است؟",
            "سلام {first} عزیز، از توجه شما سپاسگزاریم. حداقل سفارش عمده ۳۰ عدد با ۴۰ درصد تخفیف "
            "است. فهرست قیمت‌ها پیوست است و همکاران بخش عمده این هفته با شما تماس می‌گیرند.",
        ),
        "discount": (
            "کد تخفیف کار نمی‌کند",
            "سلام، کد تخفیف {code} که در خبرنامه بود هنگام پرداخت نامعتبر اعلام می‌شود. لطفاً کمک کنید.",
            "سلام {first} عزیز، عذر می‌خواهیم؛ کد {code} فقط برای کالاهای بدون تخفیف بود. یک کد جدید "
            "به نام {code}-X برایتان ساختیم که تا هفت روز برای همه کالاها معتبر است.",
        ),
        "thanks": ("خیلی ممنون، مشکل حل شد!", "سپاس از راهنمایی سریع شما.", "ممنونم!"),
        "nudge": ("سلام، خبری نشد؟ هنوز منتظر پاسخ هستم.",),
        "closing": ("خوشحالیم که توانستیم کمک کنیم. با احترام، تیم {store}",),
    },
    "zh-hans": {
        "where": (
            "我的订单 {order} 到哪里了？",
            "你好，我一个多星期前下了订单 {order}，但是物流信息从周一开始就没有更新了。"
            "能帮我查一下包裹在哪里吗？谢谢！",
            "{first}您好，感谢您的耐心等待。订单 {order} 已于周二从仓库发出，快递公司前几天有积压，"
            "现在包裹已经在派送中，预计一到两个工作日内送达。",
        ),
        "return": (
            "订单 {order} 退货",
            "你好，订单 {order} 里的连衣裙不太合身，我想退货。请问应该怎么寄回？",
            "{first}您好，没问题。我们已经把订单 {order} 的退货运单发到您的邮箱，打印后贴在包裹上，"
            "交给任意邮局即可。收到包裹后五天内退款。",
        ),
        "exchange": (
            "换货：{size} 码换 {size2} 码",
            "你好，订单 {order} 的鞋子是 {size} 码，穿着太小了。可以换成 {size2} 码吗？",
            "{first}您好，{size2} 码有货，已经为您预留。请用附件里的运单把 {size} 码寄回，"
            "我们收到快递单号后马上发出新的鞋子。",
        ),
        "damaged": (
            "订单 {order} 商品有损坏",
            "你好，订单 {order} 今天收到了，但是外套袖子的缝线开了。照片在附件里，请问怎么处理？",
            "{first}您好，非常抱歉！我们今天就免费给您补发一件新外套，损坏的那件不用寄回。",
        ),
        "invoice": (
            "订单 {order} 开发票",
            "你好，请帮我开订单 {order} 的增值税发票，公司名称：{company}。",
            "{first}您好，订单 {order} 的增值税发票（抬头：{company}）已附在邮件中。如需修改请告诉我们。",
        ),
        "wholesale": (
            "批发合作咨询",
            "你好，我经营一家小店（{company}），想代理你们的产品。请问有批发价吗？最低起订量是多少？",
            "{first}您好，感谢您的关注！批发起订量为 30 件，零售价基础上优惠 40%。"
            "价格表已附上，我们的批发团队本周会联系您。",
        ),
        "discount": (
            "优惠码无法使用",
            "你好，邮件里的优惠码 {code} 在结账时显示无效，请问是什么原因？",
            "{first}您好，抱歉给您带来不便：{code} 只适用于原价商品。我们为您生成了新的优惠码 "
            "{code}-X，七天内全场可用。",
        ),
        "thanks": ("非常感谢，问题解决了！", "收到，谢谢你们这么快回复。", "谢谢！"),
        "nudge": ("你好，请问有进展吗？我还在等回复。",),
        "closing": ("很高兴能帮到您！{store} 客服团队",),
    },
    "zh-hant": {
        "where": (
            "我的訂單 {order} 到哪裡了？",
            "您好，我一個多星期前下了訂單 {order}，但是物流資訊從週一開始就沒有更新了。"
            "可以幫我查一下包裹在哪裡嗎？謝謝！",
            "{first}您好，感謝您的耐心等候。訂單 {order} 已於週二從倉庫寄出，物流公司前幾天有延誤，"
            "現在包裹已在配送中，預計一到兩個工作天內送達。",
        ),
        "return": (
            "訂單 {order} 退貨",
            "您好，訂單 {order} 裡的洋裝不太合身，我想退貨。請問應該怎麼寄回？",
            "{first}您好，沒問題。我們已經把訂單 {order} 的退貨標籤寄到您的信箱，列印後貼在包裹上，"
            "交給任何郵局即可。收到包裹後五天內退款。",
        ),
        "exchange": (
            "換貨：{size} 號換 {size2} 號",
            "您好，訂單 {order} 的鞋子是 {size} 號，穿起來太小了。可以換成 {size2} 號嗎？",
            "{first}您好，{size2} 號有現貨，已經為您保留。請用附件的標籤把 {size} 號寄回，"
            "我們收到寄件編號後會馬上寄出新的鞋子。",
        ),
        "damaged": (
            "訂單 {order} 商品損壞",
            "您好，訂單 {order} 今天收到了，但是外套袖子的縫線裂開了。照片在附件裡，請問該怎麼處理？",
            "{first}您好，非常抱歉！我們今天就免費為您補寄一件新外套，損壞的那件不用寄回。",
        ),
        "invoice": (
            "訂單 {order} 開立發票",
            "您好，請幫我開立訂單 {order} 的統一發票，公司名稱：{company}，統一編號 12345678。",
            "{first}您好，訂單 {order} 的發票（抬頭：{company}）已附在郵件中。如需修改請告訴我們。",
        ),
        "wholesale": (
            "批發合作詢問",
            "您好，我經營一間小店（{company}），想要販售你們的商品。請問有批發價嗎？最低訂購量是多少？",
            "{first}您好，感謝您的關注！批發最低訂購量為 30 件，零售價再打六折。"
            "價目表已附上，我們的批發團隊這週會與您聯絡。",
        ),
        "discount": (
            "折扣碼無法使用",
            "您好，電子報裡的折扣碼 {code} 在結帳時顯示無效，請問是什麼原因？",
            "{first}您好，抱歉造成困擾：{code} 只適用於原價商品。我們為您產生了新的折扣碼 "
            "{code}-X，七天內全館適用。",
        ),
        "thanks": ("非常感謝，問題解決了！", "收到，謝謝你們這麼快回覆。", "謝謝！"),
        "nudge": ("您好，請問有進度嗎？我還在等回覆。",),
        "closing": ("很高興能幫上忙！{store} 客服團隊",),
    },
}

# Staff notes, by topic: what one agent tells the others.
NOTES = {
    "where": (
        "Checked with the carrier: {order} was stuck at the sorting hub, now moving again.",
        "Tracking for {order} shows a failed delivery attempt. Asked the carrier to retry.",
    ),
    "return": ("Return label for {order} created in the carrier portal.", "Refund for {order} approved."),
    "exchange": ("Reserved size {size2} for {order} in the warehouse system.",),
    "damaged": (
        "Third damaged jacket from this batch this month. Flagged to the supplier.",
        "Replacement for {order} shipped express, no return needed.",
    ),
    "invoice": ("Invoice for {order} issued in the accounting system.",),
    "wholesale": ("Promising lead: sent the price list, call scheduled with {company}.",),
    "discount": ("The newsletter code excluded sale items; made a one-off code for the customer.",),
}

# Companies that write about invoices and wholesale, by language.
COMPANIES = {
    "en": ("Bramble & Co Ltd", "Northfield Boutique", "Lark Street Studio"),
    "pl": ("Butik Lena sp. z o.o.", "Moda Kasia", "Sklep Pod Lipami"),
    "lv": ("SIA Rīgas Stils", "SIA Dzintars Mode", "Butiks Liepa"),
    "fa": ("بوتیک نگار", "فروشگاه پارسه", "مزون سپید"),
    "zh-hans": ("上海悦衣服饰有限公司", "杭州小满生活馆", "北京青禾服装店"),
    "zh-hant": ("台北好日子選物店", "香港雅衣坊", "高雄小森林服飾"),
}

# People who write without being the store's customers (wholesale buyers, first-time askers).
STRANGERS = {
    "en": (("Emma Clarke", "emma.clarke"), ("James Porter", "j.porter"), ("Olivia Reed", "olivia.reed")),
    "pl": (("Magdalena Wójcik", "m.wojcik"), ("Tomasz Zieliński", "tomek.zielinski"), ("Lena Kowal", "lena")),
    "lv": (("Ilze Bērziņa", "ilze.berzina"), ("Jānis Ozols", "janis.ozols"), ("Laura Kalniņa", "laura.k")),
    "fa": (("نگار رضایی", "negar.rezaei"), ("امیر کریمی", "amir.karimi"), ("سارا موسوی", "sara.m")),
    "zh-hans": (("王丽", "wangli"), ("陈晓明", "chen.xm"), ("刘洋", "liuyang88")),
    "zh-hant": (("林怡君", "lin.yijun"), ("黃志明", "huang.cm"), ("張美玲", "meiling.chang")),
}
STRANGER_DOMAINS = ("example.com", "example.net", "mail.example", "shop.example")

DISCOUNT_CODES = ("WIOSNA20", "SUMMER15", "WELCOME10", "BLACKFRIDAY", "VIP25", "FREESHIP")
SIZES = (("36", "37"), ("38", "39"), ("40", "41"), ("S", "M"), ("M", "L"), ("L", "XL"), ("42", "43"))
