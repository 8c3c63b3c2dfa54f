"""The topic library: what mentors offer and mentees want to learn.

The keys are stored; the labels are shown in the person's language. Every topic also brings
conversation prompts (questions or small exercises for a 45-minute session) in English and
German, and :data:`GOAL_PROMPTS_EN` / :data:`GOAL_PROMPTS_DE` serve an agenda item that is
one of the mentee's own learning goals. Prompts go into Slack messages as plain text: each is
shorter than :data:`PROMPT_MAX_CHARS` and contains no ``<``, ``>`` or ``&``.
"""

from __future__ import annotations

from dataclasses import dataclass

PROMPT_MAX_CHARS = 200
"""Every prompt is shorter than this."""


@dataclass(frozen=True)
class Topic:
    """One topic of the library, with its conversation prompts."""

    key: str
    en: str
    de: str
    prompts_en: tuple[str, ...] = ()
    prompts_de: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """The topic's name in ``lang`` ("de" or "en")."""
        return self.de if lang == "de" else self.en

    def prompts(self, lang: str) -> tuple[str, ...]:
        """The topic's conversation prompts in ``lang`` ("de"; anything else: English)."""
        return self.prompts_de if lang == "de" else self.prompts_en


TOPICS: tuple[Topic, ...] = (
    Topic(
        "genai",
        "Generative AI",
        "Generative KI",
        prompts_en=(
            "Mentor: show one task you now do with an AI assistant, live. "
            "Mentee: what would you try first in your own week?",
            "Mentee: write a prompt for a real email or memo due this week. "
            "Improve it together until the answer is usable.",
            "Mentee: ask the AI a question from your field whose answer you know. "
            "Where is it right, where is it convincingly wrong?",
            "Which data from your teams should never go into a public AI tool? "
            "And what do our company rules actually say about it?",
            "Mentor: how do people your age use AI for learning or job applications? "
            "Mentee: what does that change in how you hire and develop people?",
        ),
        prompts_de=(
            "Mentor:in: Zeig live eine Aufgabe, die du inzwischen mit einem KI-Assistenten "
            "erledigst. Mentee: Was würdest du in deiner Woche als Erstes ausprobieren?",
            "Mentee: Schreib einen Prompt für eine echte Mail oder Notiz, die diese Woche "
            "ansteht. Verbessert ihn zusammen, bis das Ergebnis brauchbar ist.",
            "Mentee: Stell der KI eine Frage aus deinem Fachgebiet, deren Antwort du kennst. "
            "Wo liegt sie richtig, wo liegt sie überzeugend daneben?",
            "Welche Daten aus euren Teams haben in einem öffentlichen KI-Tool nichts verloren? "
            "Und was steht in unseren Regeln eigentlich genau dazu?",
            "Mentor:in: Wie nutzen Leute in deinem Alter KI zum Lernen oder für Bewerbungen? "
            "Mentee: Was heißt das dafür, wie du einstellst und Leute entwickelst?",
        ),
    ),
    Topic(
        "social_media",
        "Social media",
        "Social Media",
        prompts_en=(
            "Mentor: open the app you use most and scroll through your feed together for five "
            "minutes. Mentee: what surprised you?",
            "Look up our company on LinkedIn, Instagram and TikTok. What would make you follow "
            "it, and what would make you scroll past?",
            "Mentee: draft a short LinkedIn post about something your team achieved. "
            "Mentor: edit it for tone, opening line and length.",
            "How does the algorithm decide what you get to see? "
            "Mentor: explain it using your own feed as the example.",
            "Where is the line between private and professional online for each of you? "
            "What would you never post, and why?",
        ),
        prompts_de=(
            "Mentor:in: Öffne die App, die du am meisten nutzt, und scrollt fünf Minuten "
            "zusammen durch deinen Feed. Mentee: Was hat dich überrascht?",
            "Schaut euch unser Unternehmen auf LinkedIn, Instagram und TikTok an. Was würde "
            "euch zum Folgen bringen, was zum Weiterscrollen?",
            "Mentee: Entwirf einen kurzen LinkedIn-Post über etwas, das dein Team geschafft "
            "hat. Mentor:in: Feil mit an Ton, Einstieg und Länge.",
            "Wie entscheidet der Algorithmus, was ihr zu sehen bekommt? "
            "Mentor:in: Erklär es am Beispiel deines eigenen Feeds.",
            "Wo verläuft für jede:n von euch die Grenze zwischen privat und beruflich im Netz? "
            "Was würdet ihr nie posten – und warum?",
        ),
    ),
    Topic(
        "platform_economy",
        "Platform economy",
        "Plattformökonomie",
        prompts_en=(
            "Name three platforms you used this month to shop, travel, book or pay. "
            "Who earns money on each of them, and how?",
            "Which platform stands between our company and our customers today? "
            "What does it know about them that we don't?",
            "Mentor: show an app where the users create most of the value themselves. "
            "Mentee: could a part of our business work like that?",
            "Network effects: why is the second-best platform in a market often worth almost "
            "nothing? Each of you, find one example.",
            "If a startup built a platform for our industry tomorrow, what would it look like? "
            "Sketch it together in ten minutes.",
        ),
        prompts_de=(
            "Nennt drei Plattformen, über die ihr diesen Monat eingekauft, gereist, gebucht "
            "oder bezahlt habt. Wer verdient daran jeweils – und wie?",
            "Welche Plattform steht heute zwischen unserem Unternehmen und unseren Kund:innen? "
            "Was weiß sie über sie, was wir nicht wissen?",
            "Mentor:in: Zeig eine App, in der die Nutzer:innen den Großteil des Werts selbst "
            "schaffen. Mentee: Könnte ein Teil unseres Geschäfts so funktionieren?",
            "Netzwerkeffekte: Warum ist die zweitbeste Plattform in einem Markt oft fast "
            "nichts wert? Sucht euch jede:r ein Beispiel.",
            "Wenn morgen ein Start-up eine Plattform für unsere Branche baut: Wie sähe die aus? "
            "Skizziert sie zusammen in zehn Minuten.",
        ),
    ),
    Topic(
        "hybrid_work",
        "Remote and hybrid work",
        "Remote- und Hybridarbeit",
        prompts_en=(
            "Walk each other through a typical work week: where, when and how do you work "
            "best, and what gets in the way?",
            "Mentor: what makes a video meeting good or draining from your side of the screen? "
            "Mentee: which of your meetings could be a written update?",
            "How do you notice that someone on a hybrid team is struggling when you rarely see "
            "them? Collect three signals.",
            "What is the office actually for in your teams? Name one thing that works better "
            "in person and one that works better remotely.",
            "Mentee: how do you make sure people working from home get the same visibility and "
            "chances as those in the office?",
        ),
        prompts_de=(
            "Erzählt euch gegenseitig von einer typischen Arbeitswoche: Wo, wann und wie "
            "arbeitet ihr am besten – und was kommt euch dazwischen?",
            "Mentor:in: Was macht ein Videomeeting aus deiner Sicht gut oder anstrengend? "
            "Mentee: Welches deiner Meetings könnte ein schriftliches Update sein?",
            "Woran merkt ihr, dass es jemandem im hybriden Team nicht gut geht, wenn ihr euch "
            "selten seht? Sammelt drei Anzeichen.",
            "Wofür ist das Büro in euren Teams eigentlich da? Nennt eine Sache, die vor Ort "
            "besser klappt, und eine, die remote besser klappt.",
            "Mentee: Wie sorgst du dafür, dass Leute im Homeoffice genauso gesehen werden und "
            "die gleichen Chancen bekommen wie die im Büro?",
        ),
    ),
    Topic(
        "data",
        "Data and analytics",
        "Daten und Analytics",
        prompts_en=(
            "Mentee: bring a report or KPI you look at every week. "
            "Mentor: ask which decision it actually changed lately.",
            "Mentor: show live how you would answer a simple business question with a "
            "spreadsheet or a BI tool in ten minutes.",
            "Find a chart in the news or in an internal deck that misleads. "
            "What would a fair version look like?",
            "Which question about our customers or your team would you love to answer with "
            "data but can't yet? What is missing?",
            "Gut feeling or data: tell each other about a decision where you trusted one over "
            "the other. How did it turn out?",
        ),
        prompts_de=(
            "Mentee: Bring einen Bericht oder eine Kennzahl mit, die du jede Woche anschaust. "
            "Mentor:in: Frag nach, welche Entscheidung sie zuletzt verändert hat.",
            "Mentor:in: Zeig live, wie du eine einfache Geschäftsfrage in zehn Minuten mit "
            "einer Tabelle oder einem BI-Tool beantworten würdest.",
            "Sucht ein Diagramm aus den Nachrichten oder einer internen Präsentation, das in "
            "die Irre führt. Wie sähe eine faire Version aus?",
            "Welche Frage zu unseren Kund:innen oder eurem Team würdet ihr gern mit Daten "
            "beantworten, könnt es aber noch nicht? Was fehlt?",
            "Bauchgefühl oder Daten: Erzählt euch von einer Entscheidung, bei der ihr dem "
            "einen mehr getraut habt als dem anderen. Wie ging es aus?",
        ),
    ),
    Topic(
        "security",
        "Cybersecurity basics",
        "Grundlagen der Cybersicherheit",
        prompts_en=(
            "Mentor: point out three signs of a phishing email in a real example. "
            "Mentee: which of them would you have missed?",
            "Mentee: do you use a password manager and two-step sign-in for your most "
            "important accounts? If not, set it up together now.",
            "Leaders are popular targets. What can someone find out about the mentee from "
            "public profiles in ten minutes? Try it.",
            "A call from 'the CEO' asks for an urgent payment. Play it through: "
            "what would you do, and whom would you call?",
            "Mentee: how easy is it for your team to report a mistake, like clicking a bad "
            "link? What would make it easier?",
        ),
        prompts_de=(
            "Mentor:in: Zeig an einem echten Beispiel drei Merkmale einer Phishing-Mail. "
            "Mentee: Welches davon wäre dir durchgerutscht?",
            "Mentee: Nutzt du einen Passwortmanager und Zwei-Faktor-Anmeldung für deine "
            "wichtigsten Konten? Wenn nicht: Richtet es jetzt zusammen ein.",
            "Führungskräfte sind beliebte Ziele. Was findet man in zehn Minuten in "
            "öffentlichen Profilen über dich als Mentee heraus? Probiert es aus.",
            "Ein Anruf vom angeblichen CEO, der eine dringende Überweisung will: Spielt es "
            "durch. Was würdet ihr tun, und wen würdet ihr anrufen?",
            "Mentee: Wie leicht fällt es deinem Team, einen Fehler zu melden, etwa einen Klick "
            "auf einen falschen Link? Was würde es leichter machen?",
        ),
    ),
    Topic(
        "productivity",
        "Personal productivity and deep work",
        "Produktivität und Deep Work",
        prompts_en=(
            "Open both your calendars for next week. Where is a two-hour block without "
            "meetings? If there is none, create one now.",
            "Mentor: show how you keep notifications, email and chat from running your day. "
            "Mentee: which setting will you change today?",
            "Compare how you each capture tasks and notes: paper, app, inbox? "
            "What is worth copying from the other's system?",
            "Mentee: which recurring meeting or report could you drop, shorten or delegate? "
            "What would happen if you did?",
            "At what time of day do you each think best? "
            "And how much of that time actually goes into focused work?",
        ),
        prompts_de=(
            "Öffnet beide eure Kalender für nächste Woche. Wo sind zwei Stunden am Stück ohne "
            "Termine? Wenn nirgends: Blockt euch jetzt welche.",
            "Mentor:in: Zeig, wie du Benachrichtigungen, Mails und Chats im Griff behältst. "
            "Mentee: Welche Einstellung änderst du heute noch?",
            "Vergleicht, wie ihr Aufgaben und Notizen festhaltet: Papier, App, Postfach? "
            "Was lohnt es sich, beim anderen abzuschauen?",
            "Mentee: Welches wiederkehrende Meeting oder welchen Bericht könntest du streichen, "
            "kürzen oder abgeben? Was würde dann passieren?",
            "Zu welcher Tageszeit denkt ihr jeweils am besten? "
            "Und wie viel von dieser Zeit geht wirklich in konzentriertes Arbeiten?",
        ),
    ),
    Topic(
        "collaboration",
        "New ways of working and collaboration tools",
        "New Work und Kollaborationstools",
        prompts_en=(
            "Mentor: show how your team works in Slack: channels, threads, reactions, huddles. "
            "Mentee: which habit would help your team?",
            "Take a real document you both need and edit it together live. "
            "What is different from sending versions back and forth by email?",
            "Mentee: how are decisions made and written down in your area? "
            "Could someone who missed the meeting find them?",
            "How many tools does each of you use on a normal day? Count them. "
            "Which could go, and which would you miss?",
            "What does New Work mean for each of you in practice: more autonomy, less "
            "hierarchy, more flexibility? Where does it stop?",
        ),
        prompts_de=(
            "Mentor:in: Zeig, wie dein Team in Slack arbeitet: Channels, Threads, Reactions, "
            "Huddles. Mentee: Welche Gewohnheit würde deinem Team helfen?",
            "Nehmt ein echtes Dokument, das ihr beide braucht, und bearbeitet es live "
            "zusammen. Was ist anders, als Versionen per Mail hin- und herzuschicken?",
            "Mentee: Wie werden in deinem Bereich Entscheidungen getroffen und festgehalten? "
            "Würde sie jemand finden, der beim Meeting nicht dabei war?",
            "Wie viele Tools nutzt ihr an einem normalen Tag? Zählt nach. "
            "Welche könnten weg, und welche würdet ihr vermissen?",
            "Was heißt New Work für euch ganz praktisch: mehr Selbstbestimmung, weniger "
            "Hierarchie, mehr Flexibilität? Wo hört es auf?",
        ),
    ),
    Topic(
        "cx",
        "Digital customer experience",
        "Digitale Customer Experience",
        prompts_en=(
            "Go through one of our customer journeys on your phone, e.g. signing up or asking "
            "for support. At which step would you give up?",
            "Mentor: which app or brand gives you the best customer experience, and why? "
            "Mentee: what could we copy from it?",
            "Read ten recent customer reviews or app store ratings of us together. "
            "What keeps coming up?",
            "Mentee: when did you last talk to a customer directly, or use our product the way "
            "a customer does? What did you notice?",
            "Chatbot, email, phone or social media: how do you each prefer to get help from a "
            "company? What does that mean for us?",
        ),
        prompts_de=(
            "Geht eine unserer Customer Journeys auf dem Handy durch, etwa die Registrierung "
            "oder eine Supportanfrage. An welcher Stelle würdet ihr aufgeben?",
            "Mentor:in: Welche App oder Marke bietet dir das beste Kundenerlebnis, und warum? "
            "Mentee: Was könnten wir uns davon abschauen?",
            "Lest zusammen zehn aktuelle Kundenbewertungen oder App-Store-Rezensionen über "
            "uns. Was taucht immer wieder auf?",
            "Mentee: Wann hast du zuletzt direkt mit Kund:innen gesprochen oder unser Produkt "
            "so genutzt wie sie? Was ist dir aufgefallen?",
            "Chatbot, Mail, Telefon oder Social Media: Wie holt ihr euch am liebsten Hilfe bei "
            "einem Unternehmen? Was heißt das für uns?",
        ),
    ),
    Topic(
        "innovation",
        "Innovation culture",
        "Innovationskultur",
        prompts_en=(
            "Mentee: tell about an idea from your team that died. What killed it: budget, "
            "process, timing or someone's no?",
            "Mentor: what would you change tomorrow if you could try it for four weeks? "
            "Mentee: what would it take for you to say yes?",
            "How does our company react when an experiment fails? "
            "Share one example each of how it was handled.",
            "Pick a small annoyance from your daily work. Sketch the cheapest experiment that "
            "could fix it within two weeks.",
            "Where do the good ideas in your teams come from, "
            "and how do they reach someone who can decide?",
        ),
        prompts_de=(
            "Mentee: Erzähl von einer Idee aus deinem Team, die im Sand verlaufen ist. Woran "
            "lag es: Budget, Prozess, Timing oder an einem Nein?",
            "Mentor:in: Was würdest du morgen ändern, wenn du es vier Wochen lang ausprobieren "
            "dürftest? Mentee: Was bräuchtest du, um Ja zu sagen?",
            "Wie reagiert unser Unternehmen, wenn ein Experiment scheitert? "
            "Erzählt euch je ein Beispiel, wie damit umgegangen wurde.",
            "Sucht euch ein kleines Ärgernis aus dem Arbeitsalltag aus. Skizziert das "
            "günstigste Experiment, das es in zwei Wochen beheben könnte.",
            "Woher kommen in euren Teams die guten Ideen, "
            "und wie landen sie bei jemandem, der entscheiden kann?",
        ),
    ),
    Topic(
        "gen_z",
        "How younger generations work and communicate",
        "Wie Jüngere arbeiten und kommunizieren",
        prompts_en=(
            "Mentor: why did you choose this employer, and what would make you leave? "
            "Mentee: what did you expect to hear?",
            "Voice message, chat, email or call: what does each one signal to you? "
            "Compare your unwritten rules.",
            "Mentor: how do you want to get feedback, and how often? "
            "Mentee: how does that compare with how you give it today?",
            "Mentor: explain a few words and emoji you use at work. "
            "Mentee: which would you have read differently?",
            "What does a good career look like to each of you: a ladder, a portfolio, "
            "a mission? Where do your views differ?",
        ),
        prompts_de=(
            "Mentor:in: Warum hast du dich für diesen Arbeitgeber entschieden, und was würde "
            "dich zum Gehen bringen? Mentee: Was hast du erwartet zu hören?",
            "Sprachnachricht, Chat, Mail oder Anruf: Was bedeutet welcher Kanal für euch? "
            "Vergleicht eure ungeschriebenen Regeln.",
            "Mentor:in: Wie möchtest du Feedback bekommen, und wie oft? "
            "Mentee: Wie passt das dazu, wie du heute Feedback gibst?",
            "Mentor:in: Erklär ein paar Wörter und Emojis, die du im Job benutzt. "
            "Mentee: Welche hättest du anders verstanden?",
            "Wie sieht für euch eine gute Karriere aus: eine Leiter, ein Portfolio, eine "
            "Mission? Wo gehen eure Vorstellungen auseinander?",
        ),
    ),
    Topic(
        "sustainability",
        "Digital sustainability",
        "Digitale Nachhaltigkeit",
        prompts_en=(
            "Guess first, then look it up: the CO₂ footprint of a video call, an hour of "
            "streaming and an AI request. What surprised you?",
            "Mentee: how long does your team keep laptops and phones? "
            "What would it take to use them a year longer?",
            "Clean up together for ten minutes: old files, newsletters, unused cloud storage. "
            "Does digital clutter matter?",
            "Mentor: how much does a company's climate record matter to you and your friends "
            "when choosing a job or a brand?",
            "Where could digital tools cut real emissions in our business, e.g. travel, "
            "logistics, buildings? Pick one and estimate it.",
        ),
        prompts_de=(
            "Erst schätzen, dann nachschauen: der CO₂-Fußabdruck eines Videocalls, einer "
            "Stunde Streaming und einer KI-Anfrage. Was überrascht euch?",
            "Mentee: Wie lange nutzt dein Team Laptops und Handys? "
            "Was bräuchte es, um sie ein Jahr länger zu verwenden?",
            "Räumt zehn Minuten lang zusammen auf: alte Dateien, Newsletter, ungenutzter "
            "Cloud-Speicher. Spielt digitaler Ballast eine Rolle?",
            "Mentor:in: Wie wichtig ist dir und deinem Umfeld die Klimabilanz eines "
            "Unternehmens, wenn es um einen Job oder eine Marke geht?",
            "Wo könnten digitale Tools in unserem Geschäft echte Emissionen sparen, etwa bei "
            "Reisen, Logistik oder Gebäuden? Nehmt euch eins vor und schätzt es ab.",
        ),
    ),
)

BY_KEY: dict[str, Topic] = {topic.key: topic for topic in TOPICS}

GOAL_PROMPTS_EN: tuple[str, ...] = (
    "Mentee: where do you stand on this goal since last time? What moved, what got stuck?",
    "Mentee: how would you know in three months that you reached this goal? "
    "Describe one concrete situation.",
    "Mentor: show one tool, example or source that helps with this goal. "
    "Try it out together right away.",
    "What stands in the way of this goal: time, knowledge, access or habit? "
    "Pick the biggest one and tackle it together.",
    "Agree on one small step the mentee takes before your next session, "
    "and how you will both know it happened.",
)
"""Prompts for an agenda item that is one of the mentee's own learning goals (English)."""

GOAL_PROMPTS_DE: tuple[str, ...] = (
    "Mentee: Wo stehst du bei diesem Ziel seit dem letzten Mal? Was hat sich bewegt, was "
    "hängt fest?",
    "Mentee: Woran würdest du in drei Monaten merken, dass du das Ziel erreicht hast? "
    "Beschreib eine konkrete Situation.",
    "Mentor:in: Zeig ein Tool, ein Beispiel oder eine Quelle, die bei diesem Ziel hilft. "
    "Probiert es gleich zusammen aus.",
    "Was steht dem Ziel im Weg: Zeit, Wissen, Zugang oder Gewohnheit? "
    "Nehmt euch das Größte davon vor und geht es zusammen an.",
    "Vereinbart einen kleinen Schritt, den die:der Mentee bis zum nächsten Termin geht, "
    "und woran ihr beide merkt, dass er passiert ist.",
)
"""Prompts for an agenda item that is one of the mentee's own learning goals (German)."""


def goal_prompts(lang: str) -> tuple[str, ...]:
    """The generic prompts for a learning goal in ``lang`` ("de"; anything else: English)."""
    return GOAL_PROMPTS_DE if lang == "de" else GOAL_PROMPTS_EN


def labels(keys: list[str], lang: str) -> list[str]:
    """The names of the known topics among ``keys``, in order."""
    return [BY_KEY[key].label(lang) for key in keys if key in BY_KEY]
