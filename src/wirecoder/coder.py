"""Find event mentions in one parsed sentence: trigger, CAMEO code, actor and recipient tokens, modality.

Pure syntax-and-lexicon work on a spaCy parse. Resolution of tokens to entities, dates and places
happens in `pipeline`, which calls `find_mentions` for each sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from spacy.tokens import Span, Token

from .actors import conjuncts
from .lexicon import Lexicon, Trigger
from .words import word_class

SUBJ_DEPS = {"nsubj", "csubj"}
# Objects that are things handed over or imposed, not parties to the event ("sent aid to Yemen").
THEME_WORDS = word_class("theme_nouns")
PASSIVE_SUBJ_DEPS = {"nsubjpass", "csubjpass"}
OBJ_DEPS = {"dobj", "obj", "dative", "attr", "oprd"}
# Prepositions that introduce the recipient of a verb event (the "whom").
RECIPIENT_PREPS = word_class("recipient_preps")
# Prepositions that introduce the recipient of a noun event ("the shooting down of a Russian warplane").
NOUN_RECIPIENT_PREPS = RECIPIENT_PREPS | {"of", "between", "for"}
# Prepositions on a verb's object (or a passive's subject) that name the party it is aimed at.
OBJECT_RECIPIENT_PREPS = {"on", "against", "to", "with", "for"}
NOUN_ACTOR_PREPS = word_class("noun_actor_preps")
# Verbs whose "from X" names the party affected: "withdrew from Syria", "expelled from Iran".
AWAY_FROM_LEMMAS = word_class("away_from_verbs")
CONTROL_CLASSES = {"intent", "propose", "refuse", "demand", "appeal", "threaten", "deny"}
HYPOTHETICAL_AUX = word_class("hypothetical_aux")
FUTURE_AUX = word_class("future_aux")
NEGATORS = word_class("negators")
REPORTED_ADVERBS = word_class("reported_adverbs")

# Complement code -> code of the control verb's event (CAMEO "express intent to ...", "reject ...").
INTENT_CODES = {
    "03": "030", "04": "036", "045": "039", "046": "036", "05": "032", "057": "030", "06": "031",
    "061": "0311", "062": "0312", "063": "0313", "064": "0314", "07": "033", "071": "0331",
    "072": "0332", "073": "0333", "074": "0334", "075": "033", "08": "035", "081": "0351",
    "0841": "0353", "085": "0354", "086": "0355", "0863": "0355", "087": "0356", "0871": "0356",
    "0874": "0356",
}
REFUSE_CODES = {
    "03": "120", "04": "125", "045": "126", "046": "125", "05": "120", "06": "121", "061": "1211",
    "062": "1212", "063": "1213", "064": "1214", "07": "122", "071": "1221", "072": "1222",
    "073": "1223", "074": "1224", "08": "124", "0841": "1243", "085": "1244", "086": "1245",
    "0863": "1245", "087": "1246", "0871": "1246", "0874": "1246",
}
DEMAND_CODES = {
    "04": "106", "045": "108", "046": "106", "06": "101", "061": "1011", "062": "1012",
    "063": "1013", "064": "1014", "07": "103", "071": "1031", "072": "1032", "073": "1033",
    "074": "1034", "08": "105", "081": "1051", "0841": "1053", "085": "1054", "086": "1055",
    "0863": "1055", "087": "1056", "0871": "1056", "0874": "1056",
}
THREATEN_CODES = {
    "16": "131", "161": "1313", "162": "1311", "163": "1312", "164": "134", "165": "135",
    "166": "136", "17": "130", "172": "132", "173": "137", "175": "137", "18": "138", "19": "138",
    "20": "138",
}
DEFAULT_CONTROL_CODES = {"demand": "100", "appeal": "020", "threaten": "130", "refuse": "120"}


@dataclass
class Mention:
    """One event found in a sentence. Token indices refer to the whole document."""

    trigger: int
    trigger_end: int  # exclusive, covers a particle ("shoot down")
    cameo: str
    rule: Trigger
    actor_heads: list[int] = field(default_factory=list)
    recipient_heads: list[int] = field(default_factory=list)
    factuality: str = "asserted"
    speech_head: int | None = None  # a verb of saying that carries the event
    confidence: float = 0.5
    clause_tokens: tuple[int, ...] = ()  # the trigger and its arguments: where its date/place may sit
    main_clause: bool = True  # not inside a relative or adverbial clause: sentence-level dates apply
    anaphoric: bool = False   # "the talks": a definite noun that may refer back to an earlier event
    reciprocal: bool = False  # "A and B met": with no recipient, the first party acts on the others
    coded_by: str | None = None  # which coders produced it (hybrid/learned); None: the rule alone


def _pos(tok: Token) -> str | None:
    if tok.pos_ in ("VERB", "AUX"):
        return "VERB"
    if tok.pos_ in ("NOUN", "PROPN"):
        return "NOUN"
    return None


def _lemma(tok: Token) -> str:
    return tok.lemma_.lower()


def _particle(tok: Token) -> Token | None:
    for child in tok.children:
        if child.dep_ in ("prt", "advmod", "prep") and child.i == tok.i + 1:
            return child
    return None


def _object(tok: Token) -> Token | None:
    """The thing acted on; in "provide X with Y" that is Y; in "demands were met" the demands."""
    if _pos(tok) == "VERB":
        passive_subj = next((c for c in tok.children if c.dep_ in PASSIVE_SUBJ_DEPS), None)
        if passive_subj is not None and not any(c.dep_ in OBJ_DEPS for c in tok.children):
            return passive_subj
        if tok.dep_ == "acl" and tok.tag_ == "VBN" and _pos(tok.head) == "NOUN":
            return tok.head  # "a report released on Tuesday"
        with_obj = next(iter(_prep_objects(tok, {"with"})), None)
        if with_obj is not None and any(c.dep_ in ("dobj", "dative") for c in tok.children):
            return with_obj
    for child in tok.children:
        if child.dep_ in OBJ_DEPS:
            return child
    # "shooting down of a Russian warplane", "release of prisoners"
    if _pos(tok) == "NOUN":
        for child in tok.children:
            if child.dep_ == "prep" and child.lower_ in ("of", "for"):
                pobj = _pobj(child)
                if pobj is not None:
                    return pobj
    return None


def _pobj(prep: Token) -> Token | None:
    for child in prep.children:
        if child.dep_ in ("pobj", "pcomp"):
            return child
    return None


def _modifier_lemmas(tok: Token) -> set[str]:
    mods = {_lemma(c) for c in tok.children if c.dep_ in ("amod", "compound", "nmod", "npadvmod")}
    if tok.dep_ in OBJ_DEPS or tok.dep_ == "nsubjpass":
        mods.add(_lemma(tok.head))
    if tok.dep_ == "pobj" and tok.head.dep_ == "prep":
        mods.add(_lemma(tok.head.head))
    return mods


def _conditions_hold(row: Trigger, tok: Token) -> bool:
    for key, values in row.conditions:
        if key in ("obj", "notobj"):
            obj = _object(tok)
            words = set()
            if obj is not None:
                words = {_lemma(obj)} | {_lemma(c) for c in obj.children if c.dep_ in ("compound", "amod")}
            if key == "obj" and not words & values:
                return False
            if key == "notobj" and words & values:
                return False
        elif key == "mod":
            if not _modifier_lemmas(tok) & values:
                return False
        elif key == "prep":
            if not any(c.dep_ in ("prep", "agent") and c.lower_ in values for c in tok.children):
                return False
        elif key == "subj":
            subj = next((c for c in tok.children if c.dep_ in SUBJ_DEPS), None)
            if subj is None or _lemma(subj) not in values:
                return False
        elif key == "notsubj":
            # the doer, active or passive ("killed by the crash")
            doer = next((c for c in tok.children if c.dep_ in SUBJ_DEPS), None) or _agent_of(tok)
            if doer is not None and (_lemma(doer) in values or any(
                    _lemma(c) in values for c in doer.children if c.dep_ == "compound")):
                return False
    return True


def _matching_rows(tok: Token, lexicon: Lexicon) -> list[Trigger]:
    pos = _pos(tok)
    if pos is None:
        return []
    rows = list(lexicon.rows(_lemma(tok), pos))
    if not rows and tok.lower_ != _lemma(tok):
        # the lemmatizer slips on some forms ("staged" -> "stag"): try regular inflections
        for form in _regular_stems(tok.lower_):
            rows = list(lexicon.rows(form, pos))
            if rows:
                break
    particle = _particle(tok)
    out = []
    for row in rows:
        if row.particle is not None and (particle is None or particle.lower_ != row.particle):
            continue
        out.append(row)
    # Rows with a particle are more specific: try them first.
    out.sort(key=lambda r: r.particle is None)
    return out


def _regular_stems(word: str) -> list[str]:
    stems = [word]
    for suffix in ("ing", "ed", "es", "s", "d"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            base = word[: -len(suffix)]
            stems += [base, base + "e"]
            if len(base) > 2 and base[-1] == base[-2]:
                stems.append(base[:-1])  # "planned" -> "plan"
    return stems


def subject_of(tok: Token) -> tuple[Token | None, bool]:
    """(subject, passive) of a verb, following conj/xcomp chains for shared subjects."""
    own_passive = any(c.dep_ == "auxpass" for c in tok.children)  # "... and were released by Putin"
    seen = 0
    cur = tok
    while cur is not None and seen < 6:
        seen += 1
        for child in cur.children:
            if child.dep_ in SUBJ_DEPS:
                return child, own_passive and cur is not tok
            if child.dep_ in PASSIVE_SUBJ_DEPS:
                return child, True
        if cur.dep_ == "pcomp" and cur.head.dep_ == "prep" and cur.head.lower_ in ("of", "for"):
            # "accused Islamabad of carrying out strikes", "blamed Russia for attacking"
            verb = cur.head.head
            if _pos(verb) == "NOUN" and verb.dep_ in ("dobj", "obj"):
                return verb, False  # the parser hung "of carrying out" on "Islamabad"
            obj = next((c for c in verb.children if c.dep_ in ("dobj", "obj")), None) if _pos(verb) == "VERB" else None
            if obj is not None:
                return obj, False
        if cur.dep_ in ("conj", "xcomp", "advcl", "pcomp") and cur.head.i != cur.i:
            if cur.dep_ == "xcomp":
                # object control: "urged Russia to withdraw" -> Russia
                obj = next((c for c in cur.head.children if c.dep_ in ("dobj", "obj")), None)
                if obj is not None and _pos(obj) == "NOUN" and obj.i < cur.i:
                    return obj, False
            cur = cur.head
            continue
        if cur.dep_ == "acl" and cur.tag_ == "VBN":
            return None, True
        if cur.dep_ == "acl" and cur.tag_ == "VBG":
            return cur.head, False  # "the militias shelling them"
        if cur.dep_ == "acl" and cur.tag_ == "VB":
            # "Ankara's determination to attack": the possessor acts
            poss = next((c for c in cur.head.children if c.dep_ == "poss"), None)
            return poss, False
        break
    return None, False


QUANTITY_HEADS = word_class("quantity_heads")
SPEECH_HEADS = word_class("speech_verbs")


def _antecedent(tok: Token) -> Token:
    """What a token stands for: the noun a relative pronoun modifies ("the YPG, which the US funded"),
    the speaker for a pronoun in reported speech ("Obama and Putin said they will attack"), the noun
    after a quantity ("hundreds of UN troops")."""
    if tok.tag_ in ("WDT", "WP") or (tok.lower_ == "that" and tok.dep_ in ("nsubj", "dobj")):
        clause = tok.head
        while clause.dep_ not in ("relcl", "ROOT") and clause.head.i != clause.i:
            clause = clause.head
        if clause.dep_ == "relcl":
            return clause.head
        return tok
    if tok.pos_ == "PRON" and tok.lower_ in ("they", "it", "we", "he", "she") and tok.dep_ in SUBJ_DEPS:
        clause = tok.head
        if clause.dep_ == "ccomp" and _lemma(clause.head) in SPEECH_HEADS:
            speaker, passive = subject_of(clause.head)
            if speaker is not None and not passive and speaker.pos_ != "PRON":
                return speaker
        return tok
    if (_lemma(tok) in QUANTITY_HEADS or tok.pos_ == "NUM") and tok.dep_ != "pobj":
        of = next(iter(_prep_objects(tok, {"of"})), None)
        if of is not None:
            return of
    return tok


RECIPROCAL_LEMMAS = word_class("reciprocal_words")


def _agent_of(tok: Token) -> Token | None:
    for child in tok.children:
        if child.dep_ == "agent" or (child.dep_ == "prep" and child.lower_ == "by"):
            return _pobj(child)
    return None


NOT_PARTIES = {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}


def _prep_objects(tok: Token, preps: set[str]) -> list[Token]:
    """Objects of the given prepositions on `tok`, leaving out times and amounts ("on Saturday")."""
    out = []
    for child in tok.children:
        if child.dep_ == "prep" and child.lower_ in preps:
            pobj = _pobj(child)
            if pobj is not None and pobj.ent_type_ in NOT_PARTIES:
                pobj = _named_before_date(pobj)  # "met with President Bashar Assad Tuesday"
            if pobj is not None and pobj.ent_type_ not in NOT_PARTIES:
                out.append(pobj)
    return out


def _named_before_date(tok: Token) -> Token | None:
    """The name the parser hung on a following date ("Bashar Assad Tuesday": Assad), or None."""
    names = [c for c in tok.children if c.dep_ == "compound" and c.i < tok.i and c.ent_type_ not in NOT_PARTIES]
    return names[-1] if names else None


def _verb_arguments(tok: Token) -> tuple[list[int], list[int]]:
    subj, passive = subject_of(tok)
    agent = _agent_of(tok)
    if agent is None and passive and tok.dep_ == "conj":
        agent = _agent_of(tok.head)  # "caused by a Turkish ambush and shooting down of ..."
    actors: list[int] = []
    recipients: list[int] = []
    if passive:
        if agent is not None:
            actors.append(agent.i)
        if subj is not None:
            recipients.append(subj.i)
            # "Evidence against Russia was presented by the US": the theme's party
            recipients.extend(p.i for p in _prep_objects(subj, OBJECT_RECIPIENT_PREPS - {"for"}))
        if tok.dep_ == "acl" and _pos(tok.head) == "NOUN":
            recipients.append(tok.head.i)
    else:
        if subj is not None:
            actors.append(subj.i)
        for obj in (c for c in tok.children if c.dep_ in ("dobj", "obj", "dative")):
            recipients.append(obj.i)
            # "imposed sanctions on Russia", "sent aid to Yemen", "issued arrest warrants for two men"
            recipients.extend(p.i for p in _prep_objects(obj, OBJECT_RECIPIENT_PREPS))
        recipients.extend(p.i for p in _prep_objects(tok, RECIPIENT_PREPS))
    particle = _particle(tok)
    recipients.extend(p.i for p in _prep_objects(tok, {"from"}) if _lemma(tok) in AWAY_FROM_LEMMAS)
    if particle is not None:
        recipients.extend(p.i for p in _prep_objects(particle, {"of"}))  # "shooting down of a warplane"
    if passive and not actors:
        # "were killed in Israeli tank shelling": whoever did the shelling did the killing
        for means in _prep_objects(tok, {"in", "during", "by"}):
            noun_actors, _ = _noun_arguments(means, None)
            actors.extend(noun_actors)
    if passive and tok.dep_ == "acl" and tok.head.dep_ in ("dobj", "obj"):
        # "Erdogan offered the clarification demanded by Moscow": Erdogan is asked
        giver, _ = subject_of(tok.head.head)
        if giver is not None:
            recipients.append(giver.i)
    return actors, recipients


def _noun_arguments(tok: Token, light_subject: Token | None) -> tuple[list[int], list[int]]:
    actors: list[int] = []
    recipients: list[int] = []
    for child in tok.children:
        if child.dep_ == "poss":
            actors.append(child.i)
    actors.extend(p.i for p in _prep_objects(tok, NOUN_ACTOR_PREPS))
    between = _prep_objects(tok, {"between"})
    if between:
        heads = [between[0]] + [c for c in between[0].children if c.dep_ == "conj"]
        actors.append(heads[0].i)
        recipients.extend(h.i for h in heads[1:])
    recipients.extend(p.i for p in _prep_objects(tok, NOUN_RECIPIENT_PREPS - {"between"}))
    if not recipients and tok.dep_ == "compound":
        # "issued arrest warrants for two Brazilian men": the event noun modifies the noun with the party
        recipients.extend(p.i for p in _prep_objects(tok.head, NOUN_RECIPIENT_PREPS - {"between", "of"}))
    if not actors:
        # "Turkish ambush", "Israeli tank shelling": a name or demonym modifying the event noun
        mods = [c for c in tok.children if c.dep_ in ("amod", "compound", "nmod")]
        mods += [g for c in mods if c.dep_ == "compound" for g in c.children if g.dep_ in ("amod", "compound")]
        actors.extend(c.i for c in mods if c.pos_ in ("PROPN", "ADJ") and c.text[:1].isupper()
                      and c.ent_type_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT"))
    if not actors and light_subject is not None:
        actors.append(light_subject.i)
    if not actors and tok.dep_ == "pobj" and tok.head.lower_ in ADJUNCT_PREPS and _pos(tok.head.head) == "VERB":
        # "held talks ... during a visit to Beirut": the visitor is the one holding talks
        subj, passive = subject_of(tok.head.head)
        if subj is not None and not passive:
            actors.append(subj.i)
    return actors, recipients


ADJUNCT_PREPS = word_class("adjunct_preps")


def _negated(tok: Token) -> bool:
    if _pos(tok) == "NOUN" and tok.dep_ in OBJ_DEPS | {"pobj"}:
        verb = tok.head.head if tok.dep_ == "pobj" else tok.head
        if _pos(verb) == "VERB" and _negated(verb):
            return True  # "did not attend the talks"
    for child in tok.children:
        if child.dep_ == "neg" or (child.dep_ == "det" and child.lower_ == "no"):
            return True
        if child.dep_ in ("aux", "auxpass") and any(g.dep_ == "neg" for g in child.children):
            return True
    return False


def _modality(tok: Token) -> str | None:
    """Modality from auxiliaries and 'if' clauses on the trigger or the verb above a noun trigger."""
    verb = tok
    if _pos(tok) == "NOUN" and tok.dep_ in OBJ_DEPS | {"nsubjpass"}:
        verb = tok.head
    for cur in (tok, verb):
        for child in cur.children:
            low = child.lower_
            if child.dep_ in ("aux", "auxpass"):
                if low in FUTURE_AUX or (low == "would" and _reported_clause(cur)):
                    return "intended"
                if low in HYPOTHETICAL_AUX:
                    return "hypothetical"
            if child.dep_ == "mark" and low in ("if", "unless"):
                return "hypothetical"
    return None


def _reported_clause(tok: Token) -> bool:
    """In a clause reported by a speech verb ("announced it would free"), "would" is a future."""
    while tok.dep_ in ("conj", "xcomp") and tok.head.i != tok.i:
        tok = tok.head
    return tok.dep_ == "ccomp" and _lemma(tok.head) in SPEECH_HEADS | {"announce", "report"}


def _complement(tok: Token, lexicon: Lexicon) -> Token | None:
    """The event a control verb governs: "declined to provide", "proposed opening", "called for talks"."""
    for child in tok.children:
        if child.dep_ in ("xcomp", "ccomp") and _matching_rows(child, lexicon):
            return child
    for child in tok.children:
        if child.dep_ in ("dobj", "obj") and _matching_rows(child, lexicon):
            return child
    for child in tok.children:
        if child.dep_ == "prep" and child.lower_ in ("for", "to", "on"):
            pobj = _pobj(child)
            if pobj is not None and _matching_rows(pobj, lexicon):
                return pobj
    # "proposed opening up four corridors": xcomp on a conj, or a complement clause one level down
    for child in tok.children:
        if child.dep_ == "xcomp":
            for grand in child.children:
                if grand.dep_ in ("xcomp", "conj") and _matching_rows(grand, lexicon):
                    return grand
    return None


def _derived_code(kind: str, inner: str) -> tuple[str, str]:
    """(code, factuality) for a control verb over an inner event code.

    An intent to use force is a threat (PLOVER codes the single category, not ASSAULT + future)."""
    if kind == "desire" and inner[:2] in ("13", "14", "15", "16", "17", "18", "19", "20"):
        code, _ = _derived_code("threaten", inner)
        return code, "intended"
    if kind == "desire":
        kind = "intent"
    table = {"intent": INTENT_CODES, "propose": INTENT_CODES, "refuse": REFUSE_CODES,
             "demand": DEMAND_CODES, "appeal": DEMAND_CODES, "threaten": THREATEN_CODES}.get(kind)
    factuality = {"intent": "intended", "propose": "proposed", "deny": "negated"}.get(kind, "asserted")
    if table is None:
        return inner, factuality
    for length in (4, 3, 2):
        key = inner[:length]
        if key in table:
            code = table[key]
            if kind == "appeal":
                code = "02" + code[2:]
            return code, factuality
    if kind in ("intent", "propose"):
        return inner, factuality  # "plan to attack": keep the act, marked intended
    code = DEFAULT_CONTROL_CODES[kind]
    return code, "asserted"


NESTED_CLAUSE_DEPS = {"relcl", "ccomp", "advcl", "acl", "parataxis", "csubj"}


def _own_tokens(tok: Token) -> set[int]:
    """The trigger's subtree without nested clauses and verb conjuncts (they carry their own dates)."""
    out = {tok.i}
    for child in tok.children:
        if child.dep_ in NESTED_CLAUSE_DEPS or (child.dep_ == "conj" and _pos(child) == "VERB"):
            continue
        out.update(_own_tokens(child))
    return out


def _clause_tokens(tok: Token) -> tuple[int, ...]:
    """Trigger subtree plus, for nouns under a verb, the verb's direct modifiers (dates, places)."""
    idx = _own_tokens(tok)
    anchor = tok
    while anchor.dep_ in OBJ_DEPS | {"pobj", "prep", "nsubjpass", "xcomp", "conj"} and anchor.head.i != anchor.i:
        anchor = anchor.head
        if _pos(anchor) == "VERB" and anchor.dep_ not in ("xcomp", "conj"):
            break
    if anchor is not tok:
        for child in anchor.children:
            if child.dep_ in ("npadvmod", "prep", "advmod", "tmod", "obl") and child.i not in idx:
                idx.update(_own_tokens(child))
    return tuple(sorted(idx))


@dataclass
class _Sentence:
    """Working state while coding one sentence."""

    lexicon: Lexicon
    consumed: set[int] = field(default_factory=set)
    light_subjects: dict[int, Token] = field(default_factory=dict)
    light_object: dict[int, Token] = field(default_factory=dict)
    light_recipients: dict[int, Token] = field(default_factory=dict)

    def rows(self, tok: Token) -> list[Trigger]:
        return _matching_rows(tok, self.lexicon)


def find_mentions(sent: Span, lexicon: Lexicon, consumed: set[int] | None = None) -> list[Mention]:
    """All event mentions in a sentence, each trigger used once. Tokens that a mention took as part of
    itself (a complement, a light verb's object) are added to `consumed` when it is given."""
    state = _Sentence(lexicon)
    if consumed is not None:
        state.consumed = consumed
    mentions: list[Mention] = []
    # In sentence order. (Until now a depth sort meant to put heads first compared Token objects by
    # identity, which never holds, so every token had the same depth; ordering by real depth changes
    # which reading wins in long sentences and is left for a measured change.)
    for tok in sent:
        if tok.i in state.consumed:
            continue
        rows = state.rows(tok)
        if not rows:
            continue
        mention = _code_token(tok, rows, state)
        if mention is not None:
            mentions.append(mention)
    mentions.extend(_claims(sent, mentions, state))
    mentions = _obligations(sent, mentions, state)
    mentions = _absorb_parts(mentions, sent.doc)
    mentions.sort(key=lambda m: m.trigger)
    return mentions


def _absorb_parts(mentions: list[Mention], doc) -> list[Mention]:
    """One event, not two, when a mention is the means or purpose of another of the same kind:
    "killed in Israeli tank shelling", "will meet in Zurich to discuss". The more specific code wins."""
    by_trigger = {m.trigger: m for m in mentions}
    dropped: set[int] = set()
    for m in mentions:
        tok = doc[m.trigger]
        head = tok.head
        if tok.dep_ == "pobj" and head.dep_ == "prep" and head.lower_ in ("in", "during", "by", "with"):
            head = head.head
        elif tok.dep_ not in ("advcl", "xcomp"):
            continue
        outer = by_trigger.get(head.i)
        if outer is None or outer is m or outer.cameo[:2] != m.cameo[:2] or outer.trigger in dropped:
            continue
        if not outer.actor_heads:
            outer.actor_heads = m.actor_heads
        if not outer.recipient_heads:
            outer.recipient_heads = m.recipient_heads
        if outer.cameo.endswith("0") and not m.cameo.endswith("0"):
            outer.cameo = m.cameo
        dropped.add(m.trigger)
    return [m for m in mentions if m.trigger not in dropped]


# Verbs of saying that accuse when what they report is someone else's hostile act.
ACCUSING_SPEECH = word_class("accusing_speech_verbs")


def _claims(sent: Span, mentions: list[Mention], state: _Sentence) -> list[Mention]:
    """ "The US claimed that ISIL had attacked Iraq": besides the attack (reported), an ACCUSE US -> ISIL."""
    coded = {m.trigger for m in mentions}
    out = []
    for tok in sent:
        if _lemma(tok) not in ACCUSING_SPEECH or tok.i in coded:
            continue
        clause = next((c for c in tok.children if c.dep_ == "ccomp"), None)
        speaker, passive = subject_of(tok)
        if clause is None or speaker is None or passive:
            continue
        inside = {t.i for t in clause.subtree}
        for m in mentions:
            if m.trigger in inside and m.cameo[:2] >= "13" and m.actor_heads and speaker.i not in m.actor_heads:
                row = next((r for r in state.lexicon.rows("accuse", "VERB") if r.kind == "event"), m.rule)
                out.append(Mention(trigger=tok.i, trigger_end=tok.i + 1, cameo="112", rule=row,
                                   actor_heads=_expand([speaker.i], tok.doc), recipient_heads=list(m.actor_heads),
                                   confidence=0.6, clause_tokens=_clause_tokens(tok),
                                   main_clause=_in_main_clause(tok)))
                break
    return out


@dataclass(frozen=True)
class StructuralRule(Trigger):
    """A rule of the coder itself (not a lexicon row), named in every event it produces."""

    name: str = ""

    @property
    def rule_id(self) -> str:
        return f"rule:{self.name}"


OBLIGATION_RULE = StructuralRule("say", None, "VERB", "demand", "100", (), 0.75, 0, name="said-must-demand")
OBLIGATION_AUX = word_class("obligation_aux")
FIRST_PERSON = word_class("first_person")
INDEFINITE = word_class("indefinite_subjects")


def _obligations(sent: Span, mentions: list[Mention], state: _Sentence) -> list[Mention]:
    """ "X said Y must withdraw": X demands of Y (REQUEST), whatever Y is to do; Y's act is not coded."""
    by_trigger = {m.trigger: m for m in mentions}
    out = list(mentions)
    for tok in sent:
        if _lemma(tok) not in SPEECH_HEADS or tok.i in by_trigger:
            continue
        speaker, passive = subject_of(tok)
        if speaker is None or passive:
            continue
        for clause in (c for c in tok.children if c.dep_ == "ccomp"):
            modal = next((c for c in clause.children if c.dep_ == "aux" and c.lower_ in OBLIGATION_AUX), None)
            if modal is None:
                continue
            obliged = next((c for c in clause.children if c.dep_ in SUBJ_DEPS), None)
            if obliged is None or obliged.lower_ in FIRST_PERSON | INDEFINITE or obliged.i == speaker.i or (
                    obliged.pos_ == "PRON" and obliged.lower_ in ("he", "she") and speaker.pos_ == "PROPN"):
                continue  # "we must ...": the speaker's own resolve, not a demand
            inner = by_trigger.get(clause.i)
            code = _derived_code("demand", inner.cameo)[0] if inner is not None else "100"
            row = OBLIGATION_RULE
            if inner is not None:
                out.remove(inner)
            out.append(Mention(  # the trigger is the obligation itself: "must withdraw"
                trigger=modal.i, trigger_end=max(modal.i, clause.i) + 1, cameo=code, rule=row,
                actor_heads=_expand([_antecedent(speaker).i], tok.doc),
                recipient_heads=_expand([_antecedent(obliged).i], tok.doc),
                confidence=round(row.confidence * 0.9, 3), clause_tokens=_clause_tokens(tok),
                main_clause=_in_main_clause(tok)))
    return out


# Wanting or planning force is a threat; pledging or agreeing to an act keeps the act, marked intended.
DESIRE_LEMMAS = word_class("desire_verbs")


def _controlled(tok: Token) -> Token | None:
    """The one who should act in "wants Germany to pay" (object or subject of the to-clause)."""
    xcomp = next((c for c in tok.children if c.dep_ in ("xcomp", "ccomp")), None)
    if xcomp is None:
        return None
    obj = next((c for c in tok.children if c.dep_ in ("dobj", "obj") and c.i < xcomp.i), None)
    if obj is not None:
        return obj
    subj = next((c for c in xcomp.children if c.dep_ in SUBJ_DEPS and c.i < xcomp.i), None)
    if subj is not None and subj.pos_ != "PRON" and any(c.lower_ == "to" for c in xcomp.children):
        return subj
    return None


def _takes_default(tok: Token) -> bool:
    """A demand/appeal/refusal verb with no event complement still codes when it has an object."""
    if any(c.dep_ == "ccomp" and any(g.tag_ in ("WRB", "WP", "WDT") for g in c.children) for c in tok.children):
        return False  # "asked why ...": a question, not an appeal
    has_object = any(c.dep_ in ("dobj", "obj", "dative", "xcomp")
                     or (c.dep_ == "prep" and c.lower_ in ("for", "from", "on", "upon", "to"))
                     for c in tok.children)
    if tok.dep_ == "acl" and tok.tag_ == "VBN":
        return _agent_of(tok) is not None  # "the clarification demanded by Moscow"
    return has_object and tok.dep_ != "amod"


def _code_token(tok: Token, rows: list[Trigger], state: _Sentence) -> Mention | None:
    control = [r for r in rows if r.kind in CONTROL_CLASSES and _conditions_hold(r, tok)]
    if control and control[0].kind == "intent" and _controlled(tok) is not None:
        # "Obama wants Putin to attack": wanting someone else to act is an appeal to them
        control = [replace(control[0], kind="appeal")]
    elif control and control[0].kind == "intent" and _lemma(tok) in DESIRE_LEMMAS:
        control = [replace(control[0], kind="desire")]
    if control and tok.pos_ != "AUX":
        comp = _complement(tok, state.lexicon)
        if comp is not None:
            inner = _code_token(comp, state.rows(comp), state)
            if inner is None:
                # "denied carrying out the airstrike": the light verb's object is the event
                noun = state.light_object.get(comp.i)
                if noun is not None:
                    inner = _code_token(noun, state.rows(noun), state)
                    if inner is not None:
                        state.consumed.add(noun.i)
            if inner is not None and inner.rule.kind in ("event", "inverse"):
                state.consumed.add(comp.i)
                return _wrap(tok, control[0], inner, state)
        row = control[0]
        if row.kind in DEFAULT_CONTROL_CODES and _takes_default(tok):
            return _event(tok, row, DEFAULT_CONTROL_CODES[row.kind], state)
    light = [r for r in rows if r.kind == "light"]
    if light:
        direct = next((c for c in tok.children if c.dep_ in ("dobj", "obj")), None)
        candidates = [direct, *_prep_objects(tok, {"into", "in"})]
        if direct is not None:
            candidates += _prep_objects(direct, {"in", "into"})  # "engaged peacekeepers in a firefight"
        obj = next((c for c in candidates if c is not None and state.rows(c)), None)
        if obj is not None:
            state.light_object[tok.i] = obj
            subj, _ = subject_of(tok)
            if subj is not None:
                state.light_subjects[obj.i] = subj
            if direct is not None and direct is not obj:
                state.light_recipients[obj.i] = direct  # "engaged peacekeepers in a firefight"
            elif aimed := _prep_objects(tok, OBJECT_RECIPIENT_PREPS):
                state.light_recipients[obj.i] = aimed[0]  # "issued arrest warrants for two men"
    events = [r for r in rows if r.kind in ("event", "inverse") and _conditions_hold(r, tok)]
    if not events:
        return None
    if _pos(tok) == "VERB" and tok.dep_ == "amod":
        return None  # "US-backed", "the besieged zone": a description, not an event
    if _pos(tok) == "NOUN" and tok.dep_ in ("dobj", "dative") and _lemma(tok.head) in SPEECH_LEMMAS:
        return None  # "told a meeting of village chiefs": an audience, not an event
    mention = _event(tok, events[0], events[0].cameo, state)
    if events[0].kind == "inverse":
        # "Georgian demonstrators received weapons from the government": the giver acts
        givers = _prep_objects(tok, {"from"}) or ([a] if (a := _agent_of(tok)) is not None else [])
        if not givers:
            return None
        mention.recipient_heads = mention.actor_heads
        mention.actor_heads = _expand([g.i for g in givers], tok.doc)
    return mention


SPEECH_LEMMAS = word_class("audience_verbs")


# Verbal reactions (praise, criticism, rejection...) target whoever did the thing they react to.
REACTION_ROOTS = {"05", "09", "11", "12", "13"}


def _event_actor(tok: Token, state: _Sentence, cameo: str = "") -> Token:
    """For an event noun as object ("denounced the offensive by the Syrian government"), its actor."""
    is_event = _pos(tok) == "NOUN" and any(r.kind == "event" for r in state.rows(tok))
    if is_event or (cameo[:2] in REACTION_ROOTS and _pos(tok) == "NOUN" and tok.pos_ != "PROPN"):
        actors, _ = _noun_arguments(tok, None)
        if actors:
            return tok.doc[actors[0]]
    return tok


def _expand(heads: list[int], doc) -> list[int]:
    out: list[int] = []
    for i in heads:
        for tok in conjuncts(doc[i]):
            if tok.i not in out:
                out.append(tok.i)
    return out


def _event(tok: Token, row: Trigger, cameo: str, state: _Sentence) -> Mention:
    doc = tok.doc
    end = tok.i + 1
    particle = _particle(tok)
    if row.particle and particle is not None:
        end = particle.i + 1
    nominal = _pos(tok) == "VERB" and tok.tag_ == "VBG" and tok.dep_ in ("pobj", "dobj", "nsubj", "nsubjpass")
    if _pos(tok) == "VERB" and not nominal:
        actors, recipients = _verb_arguments(tok)
        if row.kind in ("appeal", "demand"):
            controlled = _controlled(tok)
            if controlled is not None:
                recipients = [controlled.i]  # "wants Germany to pay": Germany is asked
        if not recipients and cameo[:2] in ("11", "12", "13"):
            # "alleged that France was aware": the accused is the subject of the allegation
            clause = next((c for c in tok.children if c.dep_ == "ccomp"), None)
            accused = subject_of(clause)[0] if clause is not None else None
            if accused is not None:
                recipients = [accused.i]
        obj = _object(tok)
        if obj is not None:
            state.consumed.add(obj.i)  # "signed an agreement": one event, not two
            if _lemma(obj) in THEME_WORDS or cameo[:2] == "15":
                recipients = [r for r in recipients if r != obj.i]  # "sent aid": a theme, not a party
    else:
        actors, recipients = _noun_arguments(tok, state.light_subjects.get(tok.i))
        if not recipients and tok.i in state.light_recipients:
            recipients = [state.light_recipients[tok.i].i]
        if particle is not None and not recipients:
            recipients = [p.i for p in _prep_objects(particle, {"of"})]
        if not actors and tok.dep_ == "conj" and _pos(tok.head) == "NOUN":
            actors, more = _noun_arguments(tok.head, state.light_subjects.get(tok.head.i))
            recipients = recipients or more
    if cameo[:2] < "09":
        # "met Zelensky at the White House": for cooperation "at" gives a place, not a party
        recipients = [i for i in recipients if not (doc[i].dep_ == "pobj" and doc[i].head.lower_ == "at")]
    actors = [_event_actor(_antecedent(doc[i]), state).i for i in actors]
    recipients = [_event_actor(_antecedent(doc[i]), state, cameo).i for i in recipients]
    actors = _expand(actors, doc)
    recipients = [r for r in _expand(recipients, doc) if r not in actors]
    factuality = "negated" if _negated(tok) else (_modality(tok) or "asserted")
    if tok.dep_ == "acl" and tok.tag_ == "VB" and factuality == "asserted":
        factuality = "intended"  # "Ankara's determination to attack"
    if factuality == "intended" and row.kind in ("event", "inverse"):
        # "will sign an agreement" is AGREE, "will attack" THREATEN: PLOVER codes the single category
        cameo = _future_code(cameo)
    anaphoric = _pos(tok) == "NOUN" and any(
        c.dep_ in ("det", "poss") and c.lower_ in DEFINITE for c in tok.children)
    return Mention(
        trigger=tok.i, trigger_end=end, cameo=cameo, rule=row, actor_heads=actors,
        recipient_heads=recipients, factuality=factuality, confidence=row.confidence,
        clause_tokens=_clause_tokens(tok), main_clause=_in_main_clause(tok), anaphoric=anaphoric,
        reciprocal=_lemma(tok) in RECIPROCAL_LEMMAS or cameo[:2] == "04",
    )


DEFINITE = word_class("definite_determiners")


def _in_main_clause(tok: Token) -> bool:
    """True when no relative, adverbial or adnominal clause lies between the trigger and the root."""
    steps = 0
    while tok.head.i != tok.i and steps < 30:
        if tok.dep_ in ("relcl", "acl", "advcl"):
            return False
        tok = tok.head
        steps += 1
    return True


def _future_code(cameo: str) -> str:
    for length in (4, 3, 2):
        key = cameo[:length]
        if cameo[:2] in ("13", "14", "15", "16", "17", "18", "19", "20") and key in THREATEN_CODES:
            return THREATEN_CODES[key]
        if cameo[:2] in ("04", "05", "06", "07", "08") and key in INTENT_CODES:
            return INTENT_CODES[key]
    return cameo


def _wrap(tok: Token, row: Trigger, inner: Mention, state: _Sentence) -> Mention:
    code, factuality = _derived_code(row.kind, inner.cameo)
    if _negated(tok):
        factuality = "negated"
    actors, recipients = _verb_arguments(tok)
    actors = _expand([_antecedent(tok.doc[i]).i for i in actors], tok.doc)
    if row.kind == "refuse" and inner.cameo[:2] in ("02", "10"):
        recipients = inner.actor_heads  # "rejected demands by the United States"
    elif row.kind in ("appeal", "demand"):
        # "urged Russia to withdraw": the one urged is the recipient
        recipients = _expand(recipients, tok.doc) or inner.actor_heads
        recipients = [r for r in recipients if r not in actors] or inner.recipient_heads
    else:
        recipients = inner.recipient_heads or _expand(recipients, tok.doc)
    modality = _modality(tok)
    if modality and factuality == "asserted":
        factuality = modality
    clause = tuple(sorted(set(inner.clause_tokens) | set(_clause_tokens(tok))))
    return Mention(
        trigger=tok.i, trigger_end=max(tok.i + 1, inner.trigger_end), cameo=code, rule=row,
        actor_heads=actors or inner.actor_heads,
        recipient_heads=recipients, factuality=factuality,
        confidence=round(row.confidence * inner.confidence, 3) if row.kind != "refuse" else row.confidence,
        clause_tokens=clause, main_clause=_in_main_clause(tok),
    )
