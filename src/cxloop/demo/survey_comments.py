"""What demo customers write after their score, per language, score band and theme.

    COMMENTS["pl"]["low"]["delivery"]  ->  ("Paczka przyszła z ...", ...)

Each language has the same eight themes (delivery, packaging, size, service,
price, quality, returns, product) in each band (low, mid, high), written the
way customers write them, so that recurring themes show up in every language:
物流 and 包装 in Simplified Chinese, 物流 and 包裝 in Traditional (as written
in Taiwan), ارسال and بسته‌بندی in Persian, dostawa and opakowanie in Polish,
piegāde and iepakojums in Latvian. `demo.surveys`
picks one sentence, sometimes two on different themes.
"""

THEMES = ("delivery", "packaging", "size", "service", "price", "quality", "returns", "product")

EN = {
    "high": {
        "delivery": (
            "Arrived in two days, much faster than I expected.",
            "Super fast delivery, ordered on Monday and had it by Wednesday.",
            "Quick shipping and the tracking updates were spot on.",
            "Fast delivery and friendly communication, thank you.",
        ),
        "packaging": (
            "Lovely packaging, it felt like opening a gift.",
            "Everything was packed carefully and nothing was creased.",
            "Nice that the packaging was plastic-free and recyclable.",
        ),
        "size": (
            "The size guide was accurate, fits perfectly.",
            "Ordered my usual size and it fits like a glove.",
            "True to size, no need to exchange anything this time.",
        ),
        "service": (
            "Customer service answered within an hour and sorted everything out.",
            "Really friendly support, they helped me change my delivery address after ordering.",
            "Great customer service, the person on the chat was very patient.",
        ),
        "price": (
            "Great value for the price.",
            "Good prices, and free shipping is a nice touch.",
            "Fair price for this quality, I'll be back.",
        ),
        "quality": (
            "The quality is excellent, the fabric feels really soft.",
            "Well made, the stitching is neat and it washed well.",
            "Quality is better than in most high street shops.",
        ),
        "returns": (
            "Returning a jacket was painless and the refund came in three days.",
            "Easy exchange, the new size arrived within a week.",
            "They sent a free return label without me even asking.",
        ),
        "product": (
            "Looks exactly like the photos.",
            "The colour is just as shown on the website, love it.",
            "Exactly what I was looking for, I've already recommended you to my friends.",
            "I'll definitely order again.",
        ),
    },
    "mid": {
        "delivery": (
            "Delivery took a bit longer than promised, but it got here.",
            "Shipping was OK, though the courier didn't ring the bell and just left a note.",
            "Took over a week to arrive, otherwise fine.",
        ),
        "packaging": (
            "The packaging was a bit excessive for one T-shirt.",
            "The box was slightly dented but the items were fine.",
            "Too much plastic in the packaging.",
        ),
        "size": (
            "Runs a little small, I'd size up next time.",
            "The sleeves are a bit long for me, otherwise good.",
            "The size chart could be clearer about the measurements.",
        ),
        "service": (
            "Customer service was polite but it took two days to get an answer.",
            "I had to email twice before someone replied.",
            "Support was friendly, but I had to explain my problem twice.",
        ),
        "price": (
            "A bit pricey for what it is.",
            "Shipping costs are quite high for small orders.",
            "Good products, but I usually wait for a sale.",
        ),
        "quality": (
            "Quality is fine, nothing special.",
            "Decent quality, but the colour faded a bit after a few washes.",
            "The material is thinner than I expected.",
        ),
        "returns": (
            "The return process works, but paying for return shipping is annoying.",
            "The refund took almost two weeks.",
            "Exchanging a size took a few emails, but it worked out in the end.",
        ),
        "product": (
            "The colour is slightly different from the photos.",
            "Nice product, but the description on the website could be more detailed.",
            "One item was out of stock and I only found out after ordering.",
        ),
    },
    "low": {
        "delivery": (
            "My order arrived ten days late and nobody told me why.",
            "Delivery was very slow and the tracking number never worked.",
            "The parcel was sent to the wrong address.",
            "Still waiting for half of my order.",
            "Slow delivery, I waited almost two weeks.",
        ),
        "packaging": (
            "The box arrived crushed and the mug inside was broken.",
            "Terrible packaging, the dress was stuffed into a tiny bag and completely wrinkled.",
            "The package was wet and torn when it arrived.",
        ),
        "size": (
            "Sizes are way off, the M is more like an XS.",
            "Ordered two sizes and neither fits, the size guide is useless.",
            "The shoes are a full size smaller than stated.",
        ),
        "service": (
            "Customer service never answered my emails.",
            "I waited a week for a reply from support and got a copy-paste answer.",
            "Nobody picks up the phone and the chat is always offline.",
        ),
        "price": (
            "Way too expensive for this quality.",
            "Shipping cost more than the item itself.",
            "The price went up right after I added it to my cart.",
        ),
        "quality": (
            "Poor quality, a seam came apart after the first wash.",
            "The zip broke after two days.",
            "Cheap fabric, it's already pilling.",
        ),
        "returns": (
            "Still no refund four weeks after I sent the return.",
            "The return process is a nightmare, I had to print three forms.",
            "They refused my return because I had cut off the tag. Ridiculous.",
        ),
        "product": (
            "Looks nothing like the pictures.",
            "I received the wrong colour and one item was missing.",
            "Wrong product sent and not even an apology.",
        ),
    },
}

PL = {
    "high": {
        "delivery": (
            "Przesyłka dotarła już następnego dnia, super szybko!",
            "Bardzo szybka dostawa, zamówienie w poniedziałek, paczka w środę.",
            "Szybka wysyłka i dobry kontakt z kurierem.",
            "Szybka dostawa i miły kontakt, dziękuję.",
        ),
        "packaging": (
            "Piękne opakowanie, jak prezent.",
            "Wszystko starannie zapakowane, nic się nie pogniotło.",
            "Fajnie, że opakowanie jest bez plastiku.",
        ),
        "size": (
            "Rozmiar idealny, tabela rozmiarów się zgadza.",
            "Zamówiłam swój zwykły rozmiar i leży świetnie.",
            "Rozmiar zgodny z opisem, nie musiałam nic wymieniać.",
        ),
        "service": (
            "Obsługa klienta odpisała w godzinę i wszystko załatwiła.",
            "Bardzo miła obsługa, pomogli mi zmienić adres dostawy.",
            "Świetny kontakt ze sklepem, szybka odpowiedź na czacie.",
        ),
        "price": (
            "Bardzo dobra cena za taką jakość.",
            "Ceny rozsądne, a darmowa dostawa to duży plus.",
            "Świetny stosunek jakości do ceny.",
        ),
        "quality": (
            "Jakość rewelacyjna, materiał miękki i przyjemny.",
            "Porządnie uszyte, po praniu wygląda jak nowe.",
            "Jakość lepsza niż w sieciówkach.",
        ),
        "returns": (
            "Zwrot bez problemu, pieniądze wróciły po trzech dniach.",
            "Wymiana rozmiaru poszła sprawnie.",
            "Etykietę zwrotną dostałam od razu, bez żadnych pytań.",
        ),
        "product": (
            "Produkt dokładnie taki jak na zdjęciach.",
            "Kolor taki sam jak na stronie, jestem zachwycona.",
            "Polecam ten sklep wszystkim znajomym!",
            "Na pewno zamówię ponownie.",
        ),
    },
    "mid": {
        "delivery": (
            "Dostawa trwała trochę dłużej, niż obiecano.",
            "Przesyłka szła ponad tydzień, ale doszła.",
            "Kurier zostawił paczkę u sąsiada bez żadnej informacji.",
        ),
        "packaging": (
            "Trochę za dużo plastiku w opakowaniu.",
            "Karton był lekko zgnieciony, ale w środku wszystko całe.",
            "Opakowanie za duże jak na jedną koszulkę.",
        ),
        "size": (
            "Rozmiar trochę mniejszy, następnym razem wezmę większy.",
            "Rękawy za długie, poza tym w porządku.",
            "Tabela rozmiarów mogłaby być dokładniejsza.",
        ),
        "service": (
            "Obsługa uprzejma, ale na odpowiedź czekałam dwa dni.",
            "Musiałem dwa razy pisać do obsługi klienta.",
            "Kontakt ze sklepem poprawny, ale bez rewelacji.",
        ),
        "price": (
            "Trochę drogo jak na to, co dostałam.",
            "Koszt wysyłki dość wysoki przy małych zamówieniach.",
            "Fajne rzeczy, ale zwykle czekam na promocje.",
        ),
        "quality": (
            "Jakość w porządku, nic specjalnego.",
            "Materiał cieńszy, niż się spodziewałam.",
            "Kolor trochę wyblakł po kilku praniach.",
        ),
        "returns": (
            "Zwrot działa, ale szkoda, że trzeba płacić za przesyłkę zwrotną.",
            "Na zwrot pieniędzy czekałam prawie dwa tygodnie.",
            "Wymiana rozmiaru wymagała kilku maili, ale w końcu się udało.",
        ),
        "product": (
            "Kolor trochę inny niż na zdjęciach.",
            "Opis produktu mógłby być bardziej szczegółowy.",
            "Jednego produktu zabrakło, dowiedziałam się dopiero po zamówieniu.",
        ),
    },
    "low": {
        "delivery": (
            "Paczka przyszła z dziesięciodniowym opóźnieniem i nikt nic nie wyjaśnił.",
            "Bardzo długa dostawa, numer przesyłki w ogóle nie działał.",
            "Przesyłka trafiła pod zły adres.",
            "Nadal czekam na połowę zamówienia.",
            "Bardzo wolna dostawa, czekałam prawie dwa tygodnie.",
        ),
        "packaging": (
            "Karton zgnieciony, kubek w środku rozbity.",
            "Fatalne opakowanie, sukienka wciśnięta do małej torebki i cała pognieciona.",
            "Paczka dotarła mokra i podarta.",
        ),
        "size": (
            "Rozmiary kompletnie się nie zgadzają, M to raczej XS.",
            "Zamówiłam dwa rozmiary i żaden nie pasuje, tabela rozmiarów jest bezużyteczna.",
            "Buty o cały rozmiar mniejsze, niż podano.",
        ),
        "service": (
            "Obsługa klienta w ogóle nie odpowiada na maile.",
            "Czekałem tydzień na odpowiedź i dostałem gotową formułkę.",
            "Nikt nie odbiera telefonu, a czat zawsze jest offline.",
        ),
        "price": (
            "Zdecydowanie za drogo jak na taką jakość.",
            "Wysyłka kosztowała więcej niż sam produkt.",
            "Cena wzrosła zaraz po dodaniu do koszyka.",
        ),
        "quality": (
            "Słaba jakość, szew puścił po pierwszym praniu.",
            "Zamek zepsuł się po dwóch dniach.",
            "Tani materiał, już się mechaci.",
        ),
        "returns": (
            "Cztery tygodnie po odesłaniu zwrotu nadal nie mam pieniędzy.",
            "Zwrot to koszmar, trzeba było drukować trzy formularze.",
            "Odrzucili mój zwrot, bo odcięłam metkę. Absurd.",
        ),
        "product": (
            "Produkt w ogóle nie wygląda jak na zdjęciach.",
            "Dostałam zły kolor, a jednej rzeczy brakowało.",
            "Przysłali nie ten produkt i nawet nie przeprosili.",
        ),
    },
}

LV = {
    "high": {
        "delivery": (
            "Sūtījums pienāca jau nākamajā dienā, ļoti ātri!",
            "Ātra piegāde, pasūtīju pirmdienā, trešdien jau saņēmu.",
            "Ātra piegāde un ērta sūtījuma izsekošana.",
            "Ļoti ātra piegāde un laipna saziņa, paldies.",
        ),
        "packaging": (
            "Ļoti skaists iepakojums, kā dāvana.",
            "Viss rūpīgi iepakots, nekas nebija saburzīts.",
            "Patīk, ka iepakojums ir bez plastmasas.",
        ),
        "size": (
            "Izmērs ideāls, izmēru tabula ir precīza.",
            "Pasūtīju savu parasto izmēru, un der lieliski.",
            "Izmērs atbilst aprakstam, nekas nebija jāmaina.",
        ),
        "service": (
            "Klientu apkalpošana atbildēja stundas laikā un visu atrisināja.",
            "Ļoti laipna apkalpošana, palīdzēja nomainīt piegādes adresi.",
            "Ātra atbilde čatā, paldies!",
        ),
        "price": (
            "Ļoti laba cena par šādu kvalitāti.",
            "Saprātīgas cenas, un bezmaksas piegāde ir liels pluss.",
            "Lieliska cenas un kvalitātes attiecība.",
        ),
        "quality": (
            "Kvalitāte izcila, audums mīksts un patīkams.",
            "Kvalitatīvi šūts, pēc mazgāšanas izskatās kā jauns.",
            "Kvalitāte labāka nekā lielveikalos.",
        ),
        "returns": (
            "Atgriešana bez problēmām, nauda atpakaļ trīs dienās.",
            "Izmēra maiņa noritēja raiti.",
            "Atgriešanas uzlīmi atsūtīja uzreiz, bez liekiem jautājumiem.",
        ),
        "product": (
            "Prece tieši tāda kā bildēs.",
            "Krāsa tāda pati kā mājaslapā, esmu sajūsmā.",
            "Iesaku šo veikalu visiem draugiem!",
            "Noteikti pasūtīšu vēlreiz.",
        ),
    },
    "mid": {
        "delivery": (
            "Piegāde aizņēma nedaudz ilgāk, nekā solīts.",
            "Sūtījums nāca vairāk nekā nedēļu, bet pienāca.",
            "Kurjers atstāja paku pie kaimiņa, neko nepasakot.",
        ),
        "packaging": (
            "Iepakojumā par daudz plastmasas.",
            "Kaste bija nedaudz saspiesta, bet viss bija vesels.",
            "Iepakojums pārāk liels vienam T-kreklam.",
        ),
        "size": (
            "Izmērs nedaudz mazāks, nākamreiz ņemšu lielāku.",
            "Piedurknes par garu, citādi viss kārtībā.",
            "Izmēru tabula varētu būt precīzāka.",
        ),
        "service": (
            "Apkalpošana pieklājīga, bet atbildi gaidīju divas dienas.",
            "Klientu apkalpošanai nācās rakstīt divreiz.",
            "Saziņa ar veikalu normāla, nekas īpašs.",
        ),
        "price": (
            "Mazliet dārgi par to, ko saņēmu.",
            "Piegādes maksa diezgan augsta maziem pasūtījumiem.",
            "Labas preces, bet parasti gaidu atlaides.",
        ),
        "quality": (
            "Kvalitāte normāla, nekas īpašs.",
            "Audums plānāks, nekā gaidīju.",
            "Krāsa pēc dažām mazgāšanām nedaudz izbalēja.",
        ),
        "returns": (
            "Atgriešana strādā, bet žēl, ka jāmaksā par atpakaļsūtīšanu.",
            "Naudas atmaksu gaidīju gandrīz divas nedēļas.",
            "Izmēra maiņai vajadzēja vairākus e-pastus, bet beigās viss izdevās.",
        ),
        "product": (
            "Krāsa nedaudz atšķiras no bildēm.",
            "Preces apraksts varētu būt detalizētāks.",
            "Vienas preces nebija noliktavā, to uzzināju tikai pēc pasūtīšanas.",
        ),
    },
    "low": {
        "delivery": (
            "Paka pienāca ar desmit dienu kavējumu, un neviens neko nepaskaidroja.",
            "Ļoti lēna piegāde, sūtījuma numurs vispār nestrādāja.",
            "Sūtījums tika nosūtīts uz nepareizu adresi.",
            "Joprojām gaidu pusi no pasūtījuma.",
            "Lēna piegāde, gaidīju gandrīz divas nedēļas.",
        ),
        "packaging": (
            "Kaste bija saspiesta, krūze iekšā saplīsusi.",
            "Briesmīgs iepakojums, kleita iebāzta mazā maisiņā un pilnīgi saburzīta.",
            "Paka pienāca slapja un saplēsta.",
        ),
        "size": (
            "Izmēri nemaz neatbilst, M drīzāk ir XS.",
            "Pasūtīju divus izmērus, un neviens neder, izmēru tabula ir bezjēdzīga.",
            "Apavi par veselu izmēru mazāki, nekā norādīts.",
        ),
        "service": (
            "Klientu apkalpošana vispār neatbild uz e-pastiem.",
            "Nedēļu gaidīju atbildi un saņēmu šablona tekstu.",
            "Neviens neceļ telefonu, un čats vienmēr ir bezsaistē.",
        ),
        "price": (
            "Pārāk dārgi par šādu kvalitāti.",
            "Piegāde maksāja vairāk nekā pati prece.",
            "Cena pieauga uzreiz pēc tam, kad ieliku preci grozā.",
        ),
        "quality": (
            "Slikta kvalitāte, vīle atirās pēc pirmās mazgāšanas.",
            "Rāvējslēdzējs salūza pēc divām dienām.",
            "Lēts audums, jau veidojas bumbuļi.",
        ),
        "returns": (
            "Četras nedēļas pēc preces atgriešanas joprojām nav naudas.",
            "Atgriešana ir murgs, vajadzēja izdrukāt trīs veidlapas.",
            "Atteicās pieņemt preci atpakaļ, jo biju nogriezusi etiķeti. Absurds.",
        ),
        "product": (
            "Prece nemaz neizskatās kā bildēs.",
            "Saņēmu nepareizu krāsu, un vienas preces trūka.",
            "Atsūtīja citu preci un pat neatvainojās.",
        ),
    },
}

FA = {
    "high": {
        "delivery": (
            "ارسال خیلی سریع بود، یک روزه به دستم رسید.",
            "سفارش رو دوشنبه دادم و چهارشنبه تحویل گرفتم، عالی بود.",
            "ارسال سریع و کد رهگیری دقیق.",
            "ارسال سریع بود و پشتیبانی خوش‌برخورد، ممنون.",
        ),
        "packaging": (
            "بسته‌بندی خیلی شیک بود، مثل کادو.",
            "همه چیز با دقت بسته‌بندی شده بود و هیچ چیزی چروک نشده بود.",
            "خوشحالم که بسته‌بندی بدون پلاستیک بود.",
        ),
        "size": (
            "سایز کاملاً درست بود، جدول سایز دقیقه.",
            "سایز همیشگی خودم رو سفارش دادم و کاملاً اندازه‌ست.",
            "سایز مطابق توضیحات بود و نیازی به تعویض نشد.",
        ),
        "service": (
            "پشتیبانی ظرف یک ساعت جواب داد و مشکل رو حل کرد.",
            "پشتیبانی خیلی مؤدب و خوش‌برخورد بود، آدرس ارسال رو برام عوض کردن.",
            "پاسخگویی سریع در چت، ممنون از پشتیبانی.",
        ),
        "price": (
            "قیمت نسبت به کیفیت عالیه.",
            "قیمت‌ها منصفانه‌ست و ارسال رایگان هم خیلی خوبه.",
            "واقعاً ارزش خرید داره.",
        ),
        "quality": (
            "کیفیت پارچه عالیه، خیلی نرم و لطیفه.",
            "دوخت تمیز و محکم، بعد از شستشو هم مثل روز اول مونده.",
            "کیفیتش از خیلی از فروشگاه‌های دیگه بهتره.",
        ),
        "returns": (
            "مرجوعی خیلی راحت بود و پولم سه روزه برگشت.",
            "تعویض سایز بدون دردسر انجام شد.",
            "برچسب مرجوعی رو بدون هیچ سؤالی فوراً فرستادن.",
        ),
        "product": (
            "دقیقاً همون چیزی بود که تو عکس‌ها دیدم.",
            "رنگش دقیقاً مثل عکس سایته، عاشقش شدم.",
            "این فروشگاه رو به همه دوستام پیشنهاد می‌کنم.",
            "حتماً دوباره خرید می‌کنم.",
        ),
    },
    "mid": {
        "delivery": (
            "ارسال کمی بیشتر از زمان اعلام‌شده طول کشید.",
            "بیش از یک هفته طول کشید تا برسه، ولی رسید.",
            "پیک بسته رو بدون خبر به همسایه داد.",
        ),
        "packaging": (
            "بسته‌بندی پلاستیک زیادی داشت.",
            "جعبه کمی له شده بود ولی محصول سالم بود.",
            "بسته‌بندی برای یک تی‌شرت خیلی بزرگ بود.",
        ),
        "size": (
            "سایزش کمی کوچیکه، دفعه بعد یک سایز بزرگ‌تر می‌گیرم.",
            "آستین‌ها کمی بلنده، بقیه‌اش خوبه.",
            "جدول سایز می‌تونه دقیق‌تر باشه.",
        ),
        "service": (
            "پشتیبانی مؤدب بود ولی دو روز طول کشید تا جواب بدن.",
            "مجبور شدم دو بار به پشتیبانی پیام بدم.",
            "برخورد پشتیبانی معمولی بود.",
        ),
        "price": (
            "برای چیزی که گرفتم کمی گرونه.",
            "هزینه ارسال برای سفارش‌های کوچیک زیاده.",
            "محصولات خوبن ولی معمولاً منتظر تخفیف می‌مونم.",
        ),
        "quality": (
            "کیفیت بد نیست، ولی چیز خاصی هم نیست.",
            "پارچه نازک‌تر از چیزی بود که انتظار داشتم.",
            "رنگش بعد از چند بار شستشو کمی رفت.",
        ),
        "returns": (
            "مرجوعی انجام میشه ولی هزینه ارسال برگشت با خودمونه.",
            "برگشت پول تقریباً دو هفته طول کشید.",
            "تعویض سایز چند تا ایمیل لازم داشت ولی بالاخره انجام شد.",
        ),
        "product": (
            "رنگش کمی با عکس فرق داره.",
            "توضیحات محصول می‌تونست کامل‌تر باشه.",
            "یکی از محصولات موجود نبود و بعد از سفارش متوجه شدم.",
        ),
    },
    "low": {
        "delivery": (
            "سفارشم ده روز دیرتر رسید و هیچ توضیحی ندادن.",
            "ارسال خیلی کند بود و کد رهگیری اصلاً کار نمی‌کرد.",
            "بسته به آدرس اشتباه ارسال شد.",
            "هنوز منتظر نصف سفارشم هستم.",
            "ارسال کند بود، تقریباً دو هفته منتظر ماندم.",
        ),
        "packaging": (
            "جعبه له شده بود و لیوان داخلش شکسته بود.",
            "بسته‌بندی افتضاح بود، لباس رو توی یک کیسه کوچیک چپونده بودن و کاملاً چروک شده بود.",
            "بسته خیس و پاره به دستم رسید.",
        ),
        "size": (
            "سایزها اصلاً درست نیست، مدیومش در واقع ایکس‌اسمال است.",
            "دو سایز سفارش دادم و هیچ‌کدوم اندازه نبود، جدول سایز به درد نمی‌خوره.",
            "کفش یک سایز کامل کوچیک‌تر از چیزی بود که نوشته بودن.",
        ),
        "service": (
            "پشتیبانی اصلاً به ایمیل‌هام جواب نداد.",
            "یک هفته منتظر جواب پشتیبانی موندم و یک جواب کپی‌شده گرفتم.",
            "هیچ‌کس تلفن رو جواب نمیده و چت همیشه آفلاینه.",
        ),
        "price": (
            "با این کیفیت خیلی گرونه.",
            "هزینه ارسال از خود محصول بیشتر شد.",
            "قیمت درست بعد از اضافه کردن به سبد خرید بالا رفت.",
        ),
        "quality": (
            "کیفیت پایین، درز لباس بعد از اولین شستشو باز شد.",
            "زیپش بعد از دو روز خراب شد.",
            "پارچه بی‌کیفیته و همین الان پرز داده.",
        ),
        "returns": (
            "چهار هفته از مرجوعی گذشته و هنوز پولم برنگشته.",
            "مرجوع کردن کابوسه، مجبور شدم سه تا فرم پرینت بگیرم.",
            "مرجوعی منو قبول نکردن چون برچسبش رو بریده بودم. مسخره‌ست.",
        ),
        "product": (
            "محصول اصلاً شبیه عکس‌ها نیست.",
            "رنگ اشتباه فرستادن و یکی از اقلام هم کم بود.",
            "محصول اشتباه فرستادن و حتی عذرخواهی هم نکردن.",
        ),
    },
}

ZH = {
    "high": {
        "delivery": (
            "物流很快，第二天就到了。",
            "发货速度快，周一下单周三就收到了。",
            "快递很给力，物流信息更新也很及时。",
            "物流很快，客服态度也很好，谢谢。",
        ),
        "packaging": (
            "包装很精美，像礼物一样。",
            "包装很用心，衣服一点都没皱。",
            "包装环保，没有多余的塑料，点赞。",
        ),
        "size": (
            "尺码很标准，按尺码表买的刚刚好。",
            "买了平时穿的尺码，非常合身。",
            "尺码和描述一致，不用换货。",
        ),
        "service": (
            "客服回复很快，一个小时就帮我解决了问题。",
            "客服态度非常好，帮我改了收货地址。",
            "在线客服很耐心，谢谢！",
        ),
        "price": (
            "性价比很高，这个价格很值。",
            "价格合理，还包邮，很划算。",
            "质量好，价格也实惠。",
        ),
        "quality": (
            "质量非常好，面料柔软舒服。",
            "做工精细，洗了几次还和新的一样。",
            "质量比商场里的还好。",
        ),
        "returns": (
            "退货很方便，三天就退款了。",
            "换尺码很顺利，新的很快就寄到了。",
            "退货标签马上就发过来了，没问任何问题。",
        ),
        "product": (
            "和图片一模一样，很满意。",
            "颜色和网站上的一样，非常喜欢。",
            "已经推荐给朋友了！",
            "一定会回购的。",
        ),
    },
    "mid": {
        "delivery": (
            "物流比承诺的慢了几天。",
            "快递走了一个多星期才到，不过还是到了。",
            "快递员没通知就把包裹放在邻居家了。",
        ),
        "packaging": (
            "包装里塑料有点多。",
            "箱子有点压扁了，不过东西没坏。",
            "一件T恤用这么大的箱子，包装有点浪费。",
        ),
        "size": (
            "尺码偏小，下次要买大一号。",
            "袖子有点长，其他还好。",
            "尺码表可以再详细一点。",
        ),
        "service": (
            "客服态度还行，但是两天才回复。",
            "联系了两次客服才有人回复。",
            "客服一般，问题解决得比较慢。",
        ),
        "price": (
            "价格有点贵。",
            "小订单的运费有点高。",
            "东西不错，不过我一般等打折再买。",
        ),
        "quality": (
            "质量一般，没什么特别的。",
            "面料比想象的薄。",
            "洗了几次有点褪色。",
        ),
        "returns": (
            "可以退货，但是退货运费要自己出。",
            "退款等了差不多两个星期。",
            "换尺码来回发了好几封邮件，不过最后还是换好了。",
        ),
        "product": (
            "颜色和图片有点色差。",
            "商品描述可以更详细一些。",
            "有一件缺货，下单后才知道。",
        ),
    },
    "low": {
        "delivery": (
            "物流太慢了，晚了十天才到，也没有任何解释。",
            "快递太慢，物流单号一直查不到。",
            "包裹寄到了错误的地址。",
            "订单的一半到现在还没收到。",
            "物流太慢了，等了快两个星期。",
        ),
        "packaging": (
            "箱子被压坏了，里面的杯子碎了。",
            "包装太差了，裙子塞在一个小袋子里，皱得不行。",
            "包裹到的时候又湿又破。",
        ),
        "size": (
            "尺码完全不准，M码其实就是XS。",
            "买了两个尺码都不合适，尺码表没用。",
            "鞋子比标的尺码小了整整一码。",
        ),
        "service": (
            "客服根本不回邮件。",
            "等了一个星期客服才回复，还是复制粘贴的模板。",
            "电话没人接，在线客服永远不在线。",
        ),
        "price": (
            "这个质量卖这个价格太贵了。",
            "运费比商品本身还贵。",
            "刚加入购物车价格就涨了。",
        ),
        "quality": (
            "质量太差，洗了一次就开线了。",
            "拉链两天就坏了。",
            "面料很廉价，已经起球了。",
        ),
        "returns": (
            "退货寄回去四个星期了，还没退款。",
            "退货流程太麻烦，要打印三张表格。",
            "因为剪了吊牌就拒绝退货，太离谱了。",
        ),
        "product": (
            "实物和图片完全不一样。",
            "发错颜色了，还少了一件。",
            "发错货了，连道歉都没有。",
        ),
    },
}

ZH_HANT = {
    "high": {
        "delivery": (
            "物流很快，第二天就到了。",
            "出貨速度快，週一下單週三就收到了。",
            "宅配很給力，物流資訊更新也很及時。",
        ),
        "packaging": (
            "包裝很精美，像禮物一樣。",
            "包裝很用心，衣服一點都沒皺。",
            "包裝環保，沒有多餘的塑膠，按讚。",
        ),
        "size": (
            "尺碼很標準，按尺寸表買的剛剛好。",
            "買了平時穿的尺碼，非常合身。",
            "尺碼和描述一致，不用換貨。",
        ),
        "service": (
            "客服回覆很快，一個小時就幫我解決了問題。",
            "客服態度非常好，幫我改了收件地址。",
            "線上客服很耐心，謝謝！",
        ),
        "price": (
            "CP值很高，這個價格很值。",
            "價格合理，還免運，很划算。",
            "品質好，價格也實惠。",
        ),
        "quality": (
            "品質非常好，布料柔軟舒服。",
            "做工精細，洗了幾次還和新的一樣。",
            "品質比百貨公司裡的還好。",
        ),
        "returns": (
            "退貨很方便，三天就退款了。",
            "換尺碼很順利，新的很快就寄到了。",
            "退貨標籤馬上就寄過來了，沒問任何問題。",
        ),
        "product": (
            "和圖片一模一樣，很滿意。",
            "顏色和網站上的一樣，非常喜歡。",
            "已經推薦給朋友了！",
            "一定會回購的。",
        ),
    },
    "mid": {
        "delivery": (
            "物流比承諾的慢了幾天。",
            "包裹寄了一個多星期才到，不過還是到了。",
            "宅配人員沒通知就把包裹放在鄰居家了。",
        ),
        "packaging": (
            "包裝裡塑膠有點多。",
            "箱子有點壓扁了，不過東西沒壞。",
            "一件T恤用這麼大的箱子，包裝有點浪費。",
        ),
        "size": (
            "尺碼偏小，下次要買大一號。",
            "袖子有點長，其他還好。",
            "尺寸表可以再詳細一點。",
        ),
        "service": (
            "客服態度還行，但是兩天才回覆。",
            "聯絡了兩次客服才有人回覆。",
            "客服一般，問題解決得比較慢。",
        ),
        "price": (
            "價格有點貴。",
            "小訂單的運費有點高。",
            "東西不錯，不過我一般等打折再買。",
        ),
        "quality": (
            "品質一般，沒什麼特別的。",
            "布料比想像的薄。",
            "洗了幾次有點褪色。",
        ),
        "returns": (
            "可以退貨，但是退貨運費要自己出。",
            "退款等了差不多兩個星期。",
            "換尺碼來回寄了好幾封信，不過最後還是換好了。",
        ),
        "product": (
            "顏色和圖片有點色差。",
            "商品描述可以更詳細一些。",
            "有一件缺貨，下單後才知道。",
        ),
    },
    "low": {
        "delivery": (
            "物流太慢了，晚了十天才到，也沒有任何解釋。",
            "宅配太慢，物流追蹤碼一直查不到。",
            "包裹寄到了錯誤的地址。",
            "訂單的一半到現在還沒收到。",
        ),
        "packaging": (
            "箱子被壓壞了，裡面的杯子碎了。",
            "包裝太差了，裙子塞在一個小袋子裡，皺得不行。",
            "包裹到的時候又溼又破。",
        ),
        "size": (
            "尺碼完全不準，M碼其實就是XS。",
            "買了兩個尺碼都不合適，尺寸表沒用。",
            "鞋子比標的尺碼小了整整一碼。",
        ),
        "service": (
            "客服根本不回信。",
            "等了一個星期客服才回覆，還是複製貼上的罐頭回覆。",
            "電話沒人接，線上客服永遠不在線。",
        ),
        "price": (
            "這個品質賣這個價格太貴了。",
            "運費比商品本身還貴。",
            "剛加入購物車價格就漲了。",
        ),
        "quality": (
            "品質太差，洗了一次就開線了。",
            "拉鏈兩天就壞了。",
            "布料很廉價，已經起球了。",
        ),
        "returns": (
            "退貨寄回去四個星期了，還沒退款。",
            "退貨流程太麻煩，要列印三張表格。",
            "因為剪了吊牌就拒絕退貨，太離譜了。",
        ),
        "product": (
            "實物和圖片完全不一樣。",
            "寄錯顏色了，還少了一件。",
            "寄錯貨了，連道歉都沒有。",
        ),
    },
}

COMMENTS = {"en": EN, "pl": PL, "lv": LV, "fa": FA, "zh-hans": ZH, "zh-hant": ZH_HANT}
