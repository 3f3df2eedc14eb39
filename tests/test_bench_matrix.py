"""The sample-matrix benchmark's bookkeeping (benchmarks/matrix.py): which documents the engine
alone may typeset when, and the medians it reports. Nothing is typeset."""

from benchmarks.matrix import Doc, Measure, Plan, median


def fam(edition: str, lang: str = "en") -> tuple[str, str, str, str]:
    return ("c", lang, edition, "plain")


def test_a_citing_edition_waits_for_the_pages_it_cites() -> None:
    student, guide = Doc("c/en/student", fam("student")), Doc("c/en/instructor", fam("instructor"), fam("student"))
    fr_guide = Doc("c/fr/instructor", fam("instructor", "fr"), fam("student", "fr"))
    fr_student = Doc("c/fr/student", fam("student", "fr"))
    plan = Plan([student, guide, fr_guide, fr_student])
    assert plan.release() == [student, fr_student]
    assert plan.release() == []
    assert plan.cited(guide) is None
    plan.done(student, {"unit-1": 3})
    assert plan.release() == [guide]
    assert plan.cited(guide) == {"unit-1": 3}
    assert plan.waiting == [fr_guide]


def test_a_cited_edition_not_in_the_matrix_does_not_block() -> None:
    guide = Doc("c/en/instructor", fam("instructor"), fam("student"))
    plan = Plan([guide])
    assert plan.release() == [guide]
    assert plan.cited(guide) is None


def test_medians_and_the_ratio_to_the_engine_spread_over_the_cores() -> None:
    runs = [
        Measure(10, 100, ours=o, pool=p, engine_sum=s, jobs=2) for o, p, s in [(8, 12, 20), (9, 11, 22), (30, 13, 24)]
    ]
    for r in runs:
        r.ratios = [r.ratio]
    m = median(runs)
    assert (m.ours, m.pool, m.engine_sum, m.spread) == (9, 12, 22, 11)
    assert m.ratio == 9 / 11
    assert m.ratios == [0.8, 9 / 11, 2.5]
