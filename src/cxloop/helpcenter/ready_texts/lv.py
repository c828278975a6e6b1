"""The ready templates in Latvian."""

# ruff: noqa: E501 (a paragraph is one line: the owner edits it in a textarea)

NOTE = "*Veidne: aizpildiet visas vietas dubultajās kvadrātiekavās un pārbaudiet tekstu pirms publicēšanas.*"
LEGAL_NOTE = "*Šis teksts nav juridiska konsultācija: pārbaudiet, vai tas atbilst jūsu uzņēmumam un jūsu valsts tiesību aktiem.*"

SIZE_LABELS = {
    "header": "{measure} ({unit})",
    "cm": "cm",
    "in": "collas",
    "size": "Izmērs",
    "eu": "EU izmērs",
    "chest": "Krūšu apkārtmērs",
    "waist": "Vidukļa apkārtmērs",
    "inside_leg": "Kājas iekšējais garums",
    "foot": "Pēdas garums",
}

TEXTS = {
    "shipping": {
        "title": "Piegādes noteikumi",
        "body": """\
## Kad mēs nosūtām pasūtījumu

Pasūtījumus iepakojam un nosūtām [[darba dienu skaits]] darba dienu laikā pēc apmaksas. Pasūtījumus, kas veikti brīvdienās vai svētku dienās, nosūtām nākamajā darba dienā.

## Piegādes laiki un izmaksas

| Galamērķis | Pārvadātājs | Piegādes laiks | Maksa |
|---|---|---|---|
| [[jūsu valsts]] | [[pārvadātājs]] | [[dienu skaits]] darba dienu laikā | [[cena]] |
| [[citas valstis]] | [[pārvadātājs]] | [[dienu skaits]] darba dienu laikā | [[cena]] |

Pasūtījumiem virs [[summa]] piegāde ir bez maksas.

## Sūtījuma izsekošana

Kad sūtījums būs ceļā, nosūtīsim jums e-pastā izsekošanas saiti. Ja tas nav pienācis [[dienu skaits]] darba dienu laikā, rakstiet mums uz [[e-pasta adrese]].

## Muita un nodokļi

Sūtījumiem ārpus [[valsts vai reģions]] galamērķa valsts var piemērot ievedmuitas nodokli un citus nodokļus; tos maksā saņēmējs.
""",
    },
    "returns": {
        "title": "Preču atgriešana un naudas atmaksa",
        "body": """\
## Preces atgriešana

Preci varat atgriezt [[dienu skaits]] dienu laikā pēc tās saņemšanas, nenorādot iemeslu. Precei jābūt nelietotai, ar etiķetēm un oriģinālajā iepakojumā.

Atgriezt nevar: [[izņēmumi, piemēram, apakšveļa vai personalizētas preces]].

## Kā atgriezt preci

1. Rakstiet mums uz [[e-pasta adrese]], norādot pasūtījuma numuru.
2. Rūpīgi iepakojiet preci un nosūtiet to uz [[atgriešanas adrese]].
3. Atpakaļsūtīšanas izmaksas: [[kas tās sedz un cik tās ir]].

## Naudas atmaksa

Naudu atmaksājam [[dienu skaits]] dienu laikā pēc atgrieztās preces saņemšanas, izmantojot to pašu maksājuma veidu, ar kuru maksājāt.

## Bojāta vai nepareiza prece

Ja prece pienāca bojāta vai neatbilst pasūtījumam, rakstiet mums [[dienu skaits]] dienu laikā un pievienojiet fotoattēlu. Mēs preci apmainīsim vai atmaksāsim tās cenu kopā ar piegādes izmaksām.
""",
    },
    "privacy": {
        "title": "Privātuma politika",
        "body": """\
Šajā politikā paskaidrots, kādus personas datus mēs vācam, kāpēc, cik ilgi tos glabājam un kādas ir jūsu tiesības saskaņā ar ES Vispārīgo datu aizsardzības regulu (VDAR).

## Kas mēs esam

Jūsu personas datu pārzinis ir [[veikala nosaukums]], [[uzņēmuma adrese]]. Jautājumos par saviem datiem rakstiet uz [[e-pasta adrese]].

## Kādus datus mēs vācam un kāpēc

- **Pasūtījumi:** vārds, uzvārds, adreses, e-pasts, tālruņa numurs un iegādātās preces, lai piegādātu pasūtījumu un apstrādātu atgriešanu (līguma izpilde).
- **Maksājumi:** tos apstrādā [[maksājumu pakalpojumu sniedzējs]]; mēs neredzam un neglabājam jūsu kartes pilnos datus.
- **Rēķini:** glabājam, jo to prasa grāmatvedības tiesību akti (juridisks pienākums).
- **Klientu apkalpošana:** ziņas, ko jūs mums sūtāt, lai uz tām atbildētu (leģitīmās intereses).
- **Jaunumu vēstules un aptaujas:** jūsu e-pasta adrese, tikai ar jūsu piekrišanu, ko varat jebkurā laikā atsaukt.
- **Sīkdatnes:** [[kādas sīkdatnes veikals izmanto un kāpēc]].

## Kas saņem datus

Tikai uzņēmumi, kas palīdz mums uzturēt veikalu: [[piemēram, pārvadātāji, maksājumu pakalpojumu sniedzējs, mitināšana, e-pasta pakalpojums]]. Mēs nekad nepārdodam jūsu datus. Datu nosūtīšana ārpus Eiropas Ekonomikas zonas: [[uz kurieni un ar kādiem aizsardzības pasākumiem vai “nenotiek”]].

## Cik ilgi mēs glabājam datus

- Pasūtījumi un rēķini: [[laikposms, piemēram, 5 gadi]], kā to prasa grāmatvedības tiesību akti.
- Klientu apkalpošanas ziņas: [[laikposms, piemēram, 12 mēneši]] pēc sarunas beigām.
- Jaunumu vēstules: līdz brīdim, kad no tām atrakstāties.

## Jūsu tiesības

Jūs varat pieprasīt piekļuvi saviem datiem, to labošanu, dzēšanu vai apstrādes ierobežošanu, iebilst pret apstrādi un saņemt savus datus pārnesamā formātā. Rakstiet uz [[e-pasta adrese]]; atbildam viena mēneša laikā. Jums ir arī tiesības iesniegt sūdzību uzraudzības iestādē: [[uzraudzības iestādes nosaukums]].
""",
    },
    "terms": {
        "title": "Lietošanas noteikumi",
        "body": """\
## Par šiem noteikumiem

Šie noteikumi attiecas uz pirkumiem veikalā [[veikala nosaukums]] vietnē [[vietnes adrese]]. Pārdevējs ir [[uzņēmuma nosaukums, adrese un reģistrācijas numurs]]. Veicot pasūtījumu, jūs piekrītat šiem noteikumiem.

## Pasūtījumi

Līgums ir noslēgts, kad mēs apstiprinām jūsu pasūtījumu e-pastā. Mēs varam atteikt pasūtījumu, piemēram, ja prece ir beigusies; šādā gadījumā samaksāto summu atmaksājam pilnā apmērā.

## Cenas un apmaksa

Cenas norādītas [[valūta]] un ietver [[PVN]]. Piegādes izmaksas redzat pirms apmaksas. Pieņemam [[maksājumu veidi]].

## Piegāde

Piegādājam uz valstīm un termiņos, kas norādīti mūsu piegādes noteikumos.

## Atteikuma tiesības un atgriešana

No pirkuma varat atteikties [[dienu skaits]] dienu laikā pēc preces saņemšanas, kā aprakstīts mūsu preču atgriešanas noteikumos.

## Pretenzijas

Ja precei ir defekts, jums ir likumā noteiktās tiesības. Pretenzijas sūtiet uz [[e-pasta adrese]]; atbildam [[dienu skaits]] dienu laikā.

## Piemērojamie tiesību akti

Šiem noteikumiem piemēro [[valsts]] tiesību aktus. Tas neatņem patērētājiem aizsardzību, ko viņiem sniedz viņu dzīvesvietas valsts tiesību akti.
""",
    },
    "about": {
        "title": "Par mums",
        "body": """\
## Mūsu stāsts

Veikals [[veikala nosaukums]] sāka darbu [[gads]]. gadā [[pilsēta vai ciems]]. [[Kā un kāpēc veikals radās]].

## Ko mēs darām

Mēs pārdodam [[ko jūs pārdodat]]. [[Ar ko jūsu preces atšķiras: materiāli, meistari, izgatavošanas veids]].

## Mūsu solījums

- [[pirmais solījums, piemēram, nosūtīšana vienas dienas laikā]]
- [[otrais solījums, piemēram, bezmaksas atgriešana]]
- [[trešais solījums, piemēram, atbilde vienas darba dienas laikā]]

## Cilvēki, kas stāv aiz veikala

[[Daži vārdi par jums un jūsu komandu]].
""",
    },
    "contact": {
        "title": "Kontakti",
        "body": """\
Labprāt palīdzēsim ar pasūtījumiem, izmēriem, preču atgriešanu un visu citu.

## Rakstiet vai zvaniet

- **E-pasts:** [[e-pasta adrese]]
- **Tālrunis:** [[tālruņa numurs]], [[darba laiks]]

Darba dienās atbildam [[stundu skaits]] stundu laikā. Ja jums ir pasūtījuma numurs, lūdzu, norādiet to.

## Uzņēmuma rekvizīti

[[uzņēmuma nosaukums]], [[pilna adrese]]. [[reģistrācijas numurs un PVN numurs]].
""",
    },
    "faq": {
        "title": "Biežāk uzdotie jautājumi",
        "body": """\
## Pasūtījumi

### Kā es zinu, ka esat saņēmuši manu pasūtījumu?

Dažu minūšu laikā nosūtīsim jums apstiprinājumu e-pastā. Ja tas nav pienācis, pārbaudiet surogātpasta mapi vai rakstiet mums uz [[e-pasta adrese]].

### Vai varu mainīt vai atcelt pasūtījumu?

Jā, kamēr tas vēl nav nosūtīts: rakstiet mums [[stundu skaits]] stundu laikā pēc pasūtīšanas.

## Piegāde

### Kad pienāks mans pasūtījums?

Parasti [[dienu skaits]] darba dienu laikā. Piegādes laikus katrai valstij atradīsiet mūsu piegādes noteikumos.

### Kā varu izsekot savam sūtījumam?

Kad sūtījums būs ceļā, nosūtīsim jums e-pastā izsekošanas saiti.

## Preču atgriešana

### Kā atgriezt preci?

To varat izdarīt [[dienu skaits]] dienu laikā pēc preces saņemšanas. Kā to izdarīt, skaidrots mūsu preču atgriešanas noteikumos.

## Apmaksa

### Kādus maksājumu veidus pieņemat?

Pieņemam [[maksājumu veidi]].

### Vai mans maksājums ir drošs?

Maksājumus apstrādā [[maksājumu pakalpojumu sniedzējs]]; mēs nekad neredzam jūsu kartes pilnos datus.
""",
    },
    "size-chart": {
        "title": "Izmēru tabulas",
        "body": """\
Tabulās norādīti ķermeņa, nevis apģērba izmēri. [[Salīdziniet šos izmērus ar savām precēm un mainiet tos, kur tie atšķiras]].

## Kā nomērīt

- **Krūšu apkārtmērs:** ap krūšu platāko vietu, tieši zem padusēm.
- **Vidukļa apkārtmērs:** ap dabisko vidukļa līniju, virs gurniem.
- **Kājas iekšējais garums:** no kājstarpes līdz grīdai, bez apaviem.
- **Pēdas garums:** no papēža līdz garākā pirksta galam, stāvot.

## T krekli, krekli un džemperi

{tops}

## Bikses

{trousers}

## Apavi

{shoes}

Esat starp diviem izmēriem? Izvēlieties lielāko vai rakstiet mums uz [[e-pasta adrese]].
""",
    },
}
