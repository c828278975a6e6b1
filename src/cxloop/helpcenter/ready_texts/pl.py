"""The ready templates in Polish."""

# ruff: noqa: E501 (a paragraph is one line: the owner edits it in a textarea)

NOTE = "*Szablon: uzupełnij wszystkie miejsca w podwójnych nawiasach kwadratowych i sprawdź tekst przed publikacją.*"
LEGAL_NOTE = (
    "*Ten tekst nie stanowi porady prawnej: sprawdź, czy pasuje do Twojej firmy i przepisów Twojego kraju.*"
)

SIZE_LABELS = {
    "header": "{measure} ({unit})",
    "cm": "cm",
    "in": "cale",
    "size": "Rozmiar",
    "eu": "Rozmiar EU",
    "chest": "Obwód klatki piersiowej",
    "waist": "Obwód talii",
    "inside_leg": "Długość wewnętrzna nogi",
    "foot": "Długość stopy",
}

TEXTS = {
    "shipping": {
        "title": "Polityka wysyłki",
        "body": """\
## Kiedy wysyłamy zamówienie

Pakujemy i wysyłamy zamówienia w ciągu [[liczba dni roboczych]] dni roboczych od zaksięgowania płatności. Zamówienia złożone w weekend lub w święto wysyłamy w najbliższy dzień roboczy.

## Czas i koszt dostawy

| Kraj dostawy | Przewoźnik | Czas dostawy | Koszt |
|---|---|---|---|
| [[Twój kraj]] | [[przewoźnik]] | do [[liczba dni]] dni roboczych | [[cena]] |
| [[inne kraje]] | [[przewoźnik]] | do [[liczba dni]] dni roboczych | [[cena]] |

Dostawa jest bezpłatna przy zamówieniach powyżej [[kwota]].

## Śledzenie przesyłki

Gdy paczka wyjedzie z naszego magazynu, wyślemy Ci e-mailem link do śledzenia. Jeśli nie dotrze w ciągu [[liczba dni]] dni roboczych, napisz do nas na adres [[adres e-mail]].

## Cło i podatki

Kraj odbiorcy może naliczyć cło i podatki importowe od przesyłek wysyłanych poza [[kraj lub region]]; płaci je odbiorca.
""",
    },
    "returns": {
        "title": "Zwroty i zwrot pieniędzy",
        "body": """\
## Zwrot towaru

Możesz zwrócić towar w ciągu [[liczba dni]] dni od jego otrzymania, bez podawania przyczyny. Towar musi być nieużywany, z metkami i w oryginalnym opakowaniu.

Zwrotowi nie podlegają: [[wyłączone produkty, np. bielizna lub produkty personalizowane]].

## Jak zwrócić towar

1. Napisz do nas na adres [[adres e-mail]] i podaj numer zamówienia.
2. Starannie zapakuj towar i wyślij go na adres [[adres do zwrotów]].
3. Koszt odesłania: [[kto go pokrywa i ile wynosi]].

## Zwrot pieniędzy

Zwracamy pieniądze w ciągu [[liczba dni]] dni od otrzymania zwróconego towaru, tą samą metodą płatności, której użyto przy zakupie.

## Towar uszkodzony lub niezgodny z zamówieniem

Jeśli towar dotarł uszkodzony lub nie zgadza się z zamówieniem, napisz do nas w ciągu [[liczba dni]] dni i dołącz zdjęcie. Wymienimy go lub zwrócimy pieniądze, razem z kosztem wysyłki.
""",
    },
    "privacy": {
        "title": "Polityka prywatności",
        "body": """\
Ta polityka wyjaśnia, jakie dane osobowe zbieramy, w jakim celu, jak długo je przechowujemy i jakie prawa przysługują Ci na podstawie ogólnego rozporządzenia o ochronie danych (RODO).

## Kim jesteśmy

Administratorem Twoich danych osobowych jest [[nazwa sklepu]], [[adres firmy]]. W sprawach dotyczących Twoich danych napisz na adres [[adres e-mail]].

## Jakie dane zbieramy i po co

- **Zamówienia:** imię i nazwisko, adresy, e-mail, numer telefonu i zakupione produkty – aby zrealizować zamówienie i obsłużyć zwroty (wykonanie umowy).
- **Płatności:** obsługuje je [[operator płatności]]; nie widzimy ani nie przechowujemy pełnych danych Twojej karty.
- **Faktury:** przechowujemy je, bo wymagają tego przepisy o rachunkowości (obowiązek prawny).
- **Obsługa klienta:** wiadomości, które do nas wysyłasz, aby na nie odpowiedzieć (prawnie uzasadniony interes).
- **Newsletter i ankiety:** Twój adres e-mail, tylko za Twoją zgodą, którą możesz wycofać w każdej chwili.
- **Pliki cookie:** [[jakich plików cookie używa sklep i w jakim celu]].

## Komu przekazujemy dane

Wyłącznie firmom, które pomagają nam prowadzić sklep: [[np. przewoźnicy, operator płatności, hosting, usługa e-mail]]. Nigdy nie sprzedajemy Twoich danych. Przekazywanie danych poza Europejski Obszar Gospodarczy: [[dokąd i z jakimi zabezpieczeniami albo „nie dotyczy”]].

## Jak długo przechowujemy dane

- Zamówienia i faktury: [[okres, np. 5 lat]], zgodnie z przepisami o rachunkowości.
- Wiadomości do obsługi klienta: [[okres, np. 12 miesięcy]] od zakończenia rozmowy.
- Newsletter: do czasu wypisania się.

## Twoje prawa

Możesz zażądać dostępu do swoich danych, ich sprostowania, usunięcia lub ograniczenia przetwarzania, wnieść sprzeciw wobec przetwarzania oraz otrzymać dane w formacie umożliwiającym ich przeniesienie. Napisz na adres [[adres e-mail]]; odpowiadamy w ciągu miesiąca. Możesz też wnieść skargę do organu nadzorczego: [[nazwa organu nadzorczego]].
""",
    },
    "terms": {
        "title": "Regulamin sklepu",
        "body": """\
## O regulaminie

Regulamin dotyczy zakupów w sklepie [[nazwa sklepu]] pod adresem [[adres strony]]. Sprzedawcą jest [[nazwa firmy, adres i numer rejestrowy]]. Składając zamówienie, akceptujesz regulamin.

## Zamówienia

Umowa zostaje zawarta, gdy potwierdzimy zamówienie e-mailem. Możemy odmówić realizacji zamówienia, np. gdy zabraknie produktu w magazynie; wpłacone pieniądze zwrócimy wtedy w całości.

## Ceny i płatności

Ceny podajemy w [[waluta]] i zawierają one [[podatek VAT]]. Koszt dostawy widzisz przed zapłatą. Przyjmujemy [[metody płatności]].

## Dostawa

Dostarczamy do krajów i w terminach podanych w naszej polityce wysyłki.

## Odstąpienie od umowy i zwroty

Możesz odstąpić od umowy w ciągu [[liczba dni]] dni od otrzymania towaru, zgodnie z naszymi zasadami zwrotów.

## Reklamacje

Jeśli produkt jest wadliwy, przysługują Ci uprawnienia przewidziane przez prawo. Reklamacje wysyłaj na adres [[adres e-mail]]; odpowiadamy w ciągu [[liczba dni]] dni.

## Prawo właściwe

Regulamin podlega prawu obowiązującemu w [[kraj]]. Nie pozbawia to konsumentów ochrony, jaką daje im prawo kraju ich zamieszkania.
""",
    },
    "about": {
        "title": "O nas",
        "body": """\
## Nasza historia

Sklep [[nazwa sklepu]] powstał w [[rok]] roku w [[miejscowość]]. [[Jak i dlaczego powstał sklep]].

## Czym się zajmujemy

Sprzedajemy [[co sprzedajesz]]. [[Co wyróżnia Twoje produkty: materiały, twórcy, sposób wykonania]].

## Nasza obietnica

- [[pierwsza obietnica, np. wysyłka w ciągu jednego dnia]]
- [[druga obietnica, np. darmowe zwroty]]
- [[trzecia obietnica, np. odpowiedź w ciągu jednego dnia roboczego]]

## Ludzie, którzy tworzą sklep

[[Kilka słów o sobie i swoim zespole]].
""",
    },
    "contact": {
        "title": "Kontakt",
        "body": """\
Chętnie pomożemy w sprawie zamówień, rozmiarów, zwrotów i we wszystkim innym.

## Napisz lub zadzwoń

- **E-mail:** [[adres e-mail]]
- **Telefon:** [[numer telefonu]], [[godziny pracy]]

W dni robocze odpowiadamy w ciągu [[liczba godzin]] godzin. Jeśli masz numer zamówienia, podaj go w wiadomości.

## Dane firmy

[[nazwa firmy]], [[pełny adres]]. [[NIP i numer rejestrowy]].
""",
    },
    "faq": {
        "title": "Najczęściej zadawane pytania",
        "body": """\
## Zamówienia

### Skąd mam wiedzieć, że otrzymaliście moje zamówienie?

W ciągu kilku minut wyślemy Ci e-mail z potwierdzeniem. Jeśli go nie widzisz, sprawdź folder ze spamem lub napisz do nas na adres [[adres e-mail]].

### Czy mogę zmienić lub anulować zamówienie?

Tak, dopóki go nie wyślemy: napisz do nas w ciągu [[liczba godzin]] godzin od złożenia zamówienia.

## Dostawa

### Kiedy dotrze moje zamówienie?

Zwykle w ciągu [[liczba dni]] dni roboczych. Czas dostawy do poszczególnych krajów znajdziesz w naszej polityce wysyłki.

### Jak mogę śledzić przesyłkę?

Gdy paczka wyjedzie z naszego magazynu, wyślemy Ci e-mailem link do śledzenia.

## Zwroty

### Jak zwrócić towar?

Masz na to [[liczba dni]] dni od otrzymania przesyłki. Szczegóły znajdziesz w naszych zasadach zwrotów.

## Płatności

### Jakie metody płatności akceptujecie?

Przyjmujemy [[metody płatności]].

### Czy moja płatność jest bezpieczna?

Płatności obsługuje [[operator płatności]]; nigdy nie widzimy pełnych danych Twojej karty.
""",
    },
    "size-chart": {
        "title": "Tabele rozmiarów",
        "body": """\
Wymiary dotyczą ciała, nie ubrania. [[Porównaj te rozmiary ze swoimi produktami i zmień je tam, gdzie się różnią]].

## Jak się zmierzyć

- **Klatka piersiowa:** w najszerszym miejscu, tuż pod pachami.
- **Talia:** w naturalnej linii talii, powyżej bioder.
- **Długość wewnętrzna nogi:** od kroku do podłogi, bez butów.
- **Długość stopy:** od pięty do czubka najdłuższego palca, na stojąco.

## Koszulki, bluzy i swetry

{tops}

## Spodnie

{trousers}

## Buty

{shoes}

Jesteś pomiędzy rozmiarami? Wybierz większy albo napisz do nas na adres [[adres e-mail]].
""",
    },
}
