"""Names, places and words the demo draws from: several cultures, CJK and accents included."""

from __future__ import annotations

PEOPLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("Ann", "James", "Olivia", "Noah", "Emma", "Liam", "Grace", "Henry", "Chloe", "Samuel", "Ruth", "Oscar"),
        ("Lee", "Smith", "Johnson", "Brown", "Taylor", "Walker", "Wright", "Hughes", "Turner", "Price", "Bennett"),
    ),
    "de": (
        ("Jürgen", "Anna", "Lukas", "Sophie", "Matthias", "Lena", "Felix", "Greta", "Jörg", "Käthe", "Uwe"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Becker", "Schäfer", "Koch", "Groß", "Hoffmann"),
    ),
    "fr": (
        ("Élodie", "François", "Camille", "Hélène", "Théo", "Chloé", "Mathieu", "Léa", "Noël", "Inès"),
        ("Dubois", "Lefèvre", "Moreau", "Girard", "Lambert", "Fontaine", "Chevalier", "Rousseau", "Bonnet"),
    ),
    "es": (
        ("José", "María", "Sofía", "Andrés", "Lucía", "Martín", "Begoña", "Íñigo", "Ramón", "Pilar"),
        ("García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Núñez", "Ibáñez", "Muñoz", "Ortega"),
    ),
    "ja": (
        ("翔太", "陽菜", "蓮", "結衣", "大輝", "さくら", "悠真", "美咲", "健一", "由美"),
        ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"),
    ),
    "zh": (
        ("伟", "芳", "娜", "秀英", "敏", "静", "强", "磊", "军", "洋"),
        ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"),
    ),
    "ko": (
        ("민준", "서연", "지호", "하은", "도윤", "수아", "예준", "지유"),
        ("김", "이", "박", "최", "정", "강", "조", "윤"),
    ),
    "in": (
        ("Aarav", "Priya", "Vivaan", "Ananya", "Rohan", "Diya", "Arjun", "Kavya", "Ishaan", "Meera"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Kulkarni", "Menon", "Banerjee", "Rao"),
    ),
    "ar": (
        ("Omar", "Layla", "Youssef", "Fatima", "Karim", "Nour", "Hassan", "Salma", "Tariq", "Amira"),
        ("Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Farouk", "Aziz", "Hamdan", "Qasim"),
    ),
    "ng": (
        ("Chinedu", "Ngozi", "Emeka", "Adaeze", "Tunde", "Folake", "Oluwaseun", "Ifeoma", "Kelechi"),
        ("Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Adebayo", "Obi", "Olawale"),
    ),
    "br": (
        ("João", "Ana", "Gabriel", "Beatriz", "Rafael", "Júlia", "Thiago", "Letícia", "Caio", "Mariana"),
        ("Silva", "Santos", "Oliveira", "Souza", "Conceição", "Araújo", "Gonçalves", "Magalhães", "Simões"),
    ),
    "pl": (
        ("Łukasz", "Agnieszka", "Paweł", "Małgorzata", "Wojciech", "Zofia", "Michał", "Katarzyna"),
        ("Kowalski", "Wiśniewska", "Wójcik", "Zieliński", "Szymańska", "Dąbrowski", "Kozłowska", "Jabłoński"),
    ),
    "vi": (
        ("Minh", "Lan", "Huy", "Thảo", "Đức", "Ngọc", "Tuấn", "Hương"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"),
    ),
    "tr": (
        ("Emre", "Zeynep", "Çağrı", "Elif", "Burak", "Şule", "Oğuz", "Gülşen"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Doğan"),
    ),
}
"""First names and last names by culture. East Asian names are shown family name first."""

FAMILY_FIRST = frozenset({"ja", "zh", "ko", "vi"})

PLACES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("London", "United Kingdom"), ("New York", "United States"), ("Toronto", "Canada"), ("Sydney", "Australia")),
    "de": (("Berlin", "Germany"), ("München", "Germany"), ("Zürich", "Switzerland"), ("Wien", "Austria")),
    "fr": (("Paris", "France"), ("Lyon", "France"), ("Montréal", "Canada"), ("Genève", "Switzerland")),
    "es": (("Madrid", "Spain"), ("Barcelona", "Spain"), ("Ciudad de México", "Mexico"), ("Bogotá", "Colombia")),
    "ja": (("東京", "Japan"), ("大阪", "Japan"), ("京都", "Japan")),
    "zh": (("上海", "China"), ("北京", "China"), ("台北", "Taiwan"), ("深圳", "China")),
    "ko": (("서울", "South Korea"), ("부산", "South Korea")),
    "in": (("Bengaluru", "India"), ("Mumbai", "India"), ("Pune", "India"), ("Chennai", "India")),
    "ar": (("Dubai", "United Arab Emirates"), ("Amman", "Jordan"), ("Cairo", "Egypt"), ("Beirut", "Lebanon")),
    "ng": (("Lagos", "Nigeria"), ("Abuja", "Nigeria"), ("Enugu", "Nigeria")),
    "br": (("São Paulo", "Brazil"), ("Rio de Janeiro", "Brazil"), ("Belo Horizonte", "Brazil")),
    "pl": (("Kraków", "Poland"), ("Warszawa", "Poland"), ("Gdańsk", "Poland"), ("Łódź", "Poland")),
    "vi": (("Hà Nội", "Vietnam"), ("Hồ Chí Minh", "Vietnam"), ("Đà Nẵng", "Vietnam")),
    "tr": (("İstanbul", "Turkey"), ("Ankara", "Turkey"), ("İzmir", "Turkey")),
}

COMPANY_STEMS = (
    "Nordlicht", "Acme", "Bluefin", "Sakura", "Lotus", "Kestrel", "Northwind", "Granite", "Helios", "Orchid",
    "Meridian", "Juniper", "Tidewater", "Falcon", "Aurora", "Cobalt", "Evergreen", "Harbor", "Ironwood",
    "Lumen", "Maple", "Nimbus", "Pinnacle", "Quartz", "Redwood", "Saffron", "Summit", "Vertex", "Willow",
    "Zephyr", "Atlas", "Beacon", "Cedar", "Delta", "Ember", "Fjord", "Glacier", "Horizon", "Indigo", "Jade",
)  # fmt: skip
COMPANY_KINDS = (
    ("Systems", "Software"), ("Logistics", "Logistics"), ("Health", "Healthcare"), ("Foods", "Food & Beverage"),
    ("Energy", "Energy"), ("Capital", "Financial Services"), ("Robotics", "Manufacturing"), ("Labs", "Biotech"),
    ("Media", "Media"), ("Studio", "Design"), ("Consulting", "Consulting"), ("Retail", "Retail"),
    ("Analytics", "Software"), ("Mobility", "Automotive"), ("Textiles", "Manufacturing"),
)  # fmt: skip
COMPANY_SUFFIX = {
    "en": ("Ltd", "Inc.", "LLC"), "de": ("GmbH", "AG"), "fr": ("SARL", "SA"), "es": ("S.L.", "S.A."),
    "ja": ("株式会社",), "zh": ("有限公司",), "ko": ("주식회사",), "in": ("Pvt Ltd",), "ar": ("LLC",),
    "ng": ("Ltd",), "br": ("Ltda.",), "pl": ("sp. z o.o.",), "vi": ("JSC",), "tr": ("A.Ş.",),
}  # fmt: skip
SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
TITLES = (
    "CEO", "CTO", "Head of Sales", "Procurement Manager", "Operations Lead", "Marketing Director",
    "Office Manager", "Software Engineer", "Founder", "Account Executive", "CFO", "Product Manager",
    "Purchasing Agent", "IT Administrator", "Customer Success Manager",
)  # fmt: skip
TAGS = ("vip", "newsletter", "partner", "reseller", "family", "conference", "trial", "enterprise", "smb", "press")
SOURCES = ("referral", "web", "event", "linkedin", "cold call", "partner", "ads", "newsletter")
INTERACTION_SUBJECTS = {
    "call": (
        "Intro call",
        "Discovery call",
        "Pricing questions",
        "Follow-up call",
        "Renewal check-in",
        "Left voicemail",
    ),
    "email": ("Sent proposal", "Shared case study", "Answered contract questions", "Sent invoice", "Intro email"),
    "meeting": ("Demo meeting", "Quarterly review", "On-site workshop", "Kick-off meeting", "Lunch meeting"),
    "note": ("Prefers email over phone", "Budget approved for Q1", "Decision maker is the CFO", "Competitor in play"),
    "message": ("Quick question on LinkedIn", "WhatsApp about delivery", "Slack connect question"),
    "visit": ("Visited their office", "Factory tour", "Trade fair booth visit"),
    "event": ("Met at conference", "Webinar attendee", "Meetup talk"),
}
OUTCOMES = ("reached", "voicemail", "interested", "not interested", "meeting booked", None, None)
