"""The FHIR definitions of program evaluation, kept in ``profiles/``: the ``Measure``
``cm-program-evaluation`` and the ``program-evaluation`` CodeSystem (with its ValueSet) that
names its populations, stratifiers and strata.

They are generated from the code here, so a MeasureReport can only use codes the Measure
defines: ``python -m adapter.reports.definitions`` rewrites the three files (a unit test checks
the files in ``profiles/`` are what it would write).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from adapter import canonical
from adapter.mappings.terminology import table
from adapter.model.codes import ProgramType
from adapter.reports import financial_definitions as financial
from adapter.reports.facts import Usage

__all__ = [
    "CODES",
    "CODE_SYSTEM",
    "COHORT",
    "MEASURE_ID",
    "MEASURE_URL",
    "POPULATIONS",
    "STRATIFIERS",
    "USAGE_SIDES",
    "code_system",
    "coded",
    "measure",
    "value_set",
    "write_definitions",
]

MEASURE_ID: Final = "cm-program-evaluation"
MEASURE_URL: Final = canonical.measure(MEASURE_ID)
CODE_SYSTEM: Final = canonical.code_system("program-evaluation")
MEASURE_POPULATION: Final = "http://terminology.hl7.org/CodeSystem/measure-population"
COHORT: Final = {"system": MEASURE_POPULATION, "code": "initial-population"}

# code -> (display, definition); the group-level populations in the order they are reported.
POPULATIONS: Final = {
    "cases-opened": ("Cases opened", "Cases of the cohort opened in the period."),
    "cases-closed": ("Cases closed", "Cases of the cohort closed in the period."),
    "cases-cancelled": ("Cases cancelled", "Cases of the cohort cancelled in the period."),
    "cases-open-at-end": (
        "Cases open at the end",
        "Cases of the cohort not closed or cancelled by the end of the period.",
    ),
    "goals": ("Goals", "Goals of the plans of care of the cohort."),
    "goals-achieved": ("Goals achieved", "Goals whose achievement is achieved or sustaining."),
    "goals-achieved-on-time": (
        "Goals achieved on time",
        "Achieved goals known to be reached by their target due date.",
    ),
    "goals-achieved-late": (
        "Goals achieved late",
        "Achieved goals known to be reached after their target due date.",
    ),
    "goals-not-achieved": (
        "Goals not achieved",
        "Goals whose achievement is not-achieved, no-progress or not-attainable.",
    ),
    "goals-cancelled": ("Goals cancelled", "Goals cancelled with no final achievement."),
    "goals-open": ("Goals open", "Goals still being worked on."),
    "tasks": ("Tasks", "Interventions and coordination tasks of the cohort."),
    "tasks-completed": ("Tasks completed", "Tasks whose status is completed."),
    "tasks-failed": ("Tasks failed", "Tasks whose status is failed."),
    **financial.FINANCIAL_POPULATIONS,
}
# Populations counted inside strata.
STRATUM_POPULATIONS: Final = {
    "cases-measured": (
        "Cases with a value",
        "Cases of the cohort that record the value of the stratum.",
    ),
    "outcome-measurements": ("Outcome measurements", "Outcome measurements in the domain."),
    "repeated-measures": (
        "Repeated measures",
        "Measures recorded more than once with a value in one case.",
    ),
    "improved": ("Improved", "Repeated measures that moved towards their linked goal's target."),
    "worsened": ("Worsened", "Repeated measures that moved away from their linked goal's target."),
}
STRATIFIERS: Final = {
    "closure-reason": ("Closure reason", "Cases closed in the period, by CMSA closure reason."),
    "task-status": ("Task status", "Tasks of the cohort, by status."),
    "days-from-referral": (
        "Days from referral",
        "Median days from the referral to an event (the score); the population counts the "
        "cases that record both.",
    ),
    "utilization": (
        "Utilization",
        "ED visits and hospital admissions recorded (the score is their total, the population "
        "the cases recording them).",
    ),
    "outcome-domain": ("Outcome domain", "Outcome measurements by CMSA Standard O domain."),
    **financial.FINANCIAL_STRATIFIERS,
}
_USAGE_NAMES: Final = {Usage.ED_VISITS: "ED visits", Usage.ADMISSIONS: "Hospital admissions"}
_SIDES: Final = {
    "baseline": "recorded up to the day the case opened",
    "follow-up": "recorded after the case opened (the latest value)",
    "paired-baseline": "at baseline, of the cases recording both",
    "paired-follow-up": "at follow-up, of the cases recording both",
}
USAGE_SIDES: Final = tuple(_SIDES)
STRATA: Final = {
    "first-contact": ("First contact", "The first day the client is known to have been reached."),
    "plan": ("Plan of care", "The day the plan of care was created."),
    **{
        f"{usage.value}-{side}": (
            f"{_USAGE_NAMES[usage]}, {side.replace('-', ' ')}",
            f"{_USAGE_NAMES[usage]} {text}.",
        )
        for usage in Usage
        for side, text in _SIDES.items()
    },
}
CODES: Final = {**POPULATIONS, **STRATUM_POPULATIONS, **STRATIFIERS, **STRATA}

_PUBLISHER = "cm-fhir-adapter"
# The criteria are FHIRPath (one of the three languages R4 allows in Expression.language), each
# evaluated on the resources the adapter writes for the cohort's cases, with the reporting
# period's first and last day as %periodStart and %periodEnd; the rule in words is the
# expression's description (docs/reports.md).
_FHIRPATH = "text/fhirpath"
_ACHIEVED = "(code = 'achieved' or code = 'sustaining')"
_NOT_ACHIEVED = "(code = 'not-achieved' or code = 'no-progress' or code = 'not-attainable')"
_ENDED_IN_PERIOD = "period.end >= %periodStart and period.end <= %periodEnd"
CRITERIA: Final = {
    "cases-opened": "EpisodeOfCare.where(period.start >= %periodStart "
    "and period.start <= %periodEnd)",
    "cases-closed": f"EpisodeOfCare.where(status = 'finished' and {_ENDED_IN_PERIOD})",
    "cases-cancelled": f"EpisodeOfCare.where(status = 'cancelled' and {_ENDED_IN_PERIOD})",
    "cases-open-at-end": "EpisodeOfCare.where(period.end.empty() or period.end > %periodEnd)",
    "goals": "Goal",
    "goals-achieved": f"Goal.where(achievementStatus.coding.where{_ACHIEVED}.exists())",
    "goals-achieved-on-time": f"Goal.where(achievementStatus.coding.where{_ACHIEVED}.exists() "
    "and statusDate <= target.first().dueDate)",
    "goals-achieved-late": f"Goal.where(achievementStatus.coding.where{_ACHIEVED}.exists() "
    "and statusDate > target.first().dueDate)",
    "goals-not-achieved": f"Goal.where(achievementStatus.coding.where{_NOT_ACHIEVED}.exists())",
    "goals-cancelled": "Goal.where(lifecycleStatus = 'cancelled' and "
    f"achievementStatus.coding.where({_ACHIEVED[1:-1]} or {_NOT_ACHIEVED[1:-1]}).empty())",
    "goals-open": "Goal.where(lifecycleStatus != 'cancelled' and "
    f"achievementStatus.coding.where({_ACHIEVED[1:-1]} or {_NOT_ACHIEVED[1:-1]}).empty())",
    "tasks": "Task",
    "tasks-completed": "Task.where(status = 'completed')",
    "tasks-failed": "Task.where(status = 'failed')",
    **financial.FINANCIAL_CRITERIA,
}
GUIDANCE: Final = (
    "Each criterion is a FHIRPath expression evaluated on the resources the adapter writes for "
    "the cases of the cohort (their EpisodeOfCare, the Goals of their plans of care, their "
    "Tasks), with the environment variables %periodStart and %periodEnd set to the first and "
    "last day of the reporting period. The expression's description states the rule in words; "
    "where the two differ (a goal reached on a progress entry before its status date, a case "
    "whose close date bounds the day a goal was reached), the words are what `adapter report` "
    "counts."
)


def coded(code: str) -> dict[str, Any]:
    """A CodeableConcept of one ``program-evaluation`` code; KeyError for a code not defined."""
    display, _ = CODES[code]
    return {"coding": [{"system": CODE_SYSTEM, "code": code, "display": display}]}


def code_system(version: str) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": "program-evaluation",
        "url": CODE_SYSTEM,
        "version": version,
        "name": "ProgramEvaluation",
        "title": "Program evaluation",
        "status": "active",
        "experimental": False,
        "publisher": _PUBLISHER,
        "description": "Populations, stratifiers and strata of the case-management program "
        "evaluation measure.",
        "caseSensitive": True,
        "valueSet": canonical.value_set("program-evaluation"),
        "content": "complete",
        "count": len(CODES),
        "concept": [
            {"code": code, "display": display, "definition": definition}
            for code, (display, definition) in CODES.items()
        ],
    }


def value_set(version: str) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "id": "program-evaluation",
        "url": canonical.value_set("program-evaluation"),
        "version": version,
        "name": "ProgramEvaluation",
        "title": "Program evaluation",
        "status": "active",
        "experimental": False,
        "publisher": _PUBLISHER,
        "description": "All codes of the program evaluation code system.",
        "compose": {"include": [{"system": CODE_SYSTEM}]},
    }


def measure(version: str) -> dict[str, Any]:
    """The Measure: one group per program, each with the same populations and stratifiers."""
    programs = table("program-type")
    return {
        "resourceType": "Measure",
        "id": MEASURE_ID,
        "url": MEASURE_URL,
        "version": version,
        "name": "CmProgramEvaluation",
        "title": "Case-management program evaluation",
        "status": "active",
        "experimental": False,
        "publisher": _PUBLISHER,
        "description": "Per program and period (CMSA step 4 and Standard O): cases opened, "
        "closed by reason and open; goals achieved and on time; days from referral to first "
        "contact and to the plan; tasks completed and failed; ED visits and admissions where "
        "recorded; outcome measurements per Standard O domain; the financial results of tasks "
        "(billed, negotiated, saved) per currency.",
        "guidance": GUIDANCE,
        "scoring": _concept("http://terminology.hl7.org/CodeSystem/measure-scoring", "cohort"),
        "type": [
            _concept("http://terminology.hl7.org/CodeSystem/measure-type", "process"),
            _concept("http://terminology.hl7.org/CodeSystem/measure-type", "outcome"),
        ],
        "group": [
            {
                "code": {"coding": [programs.to_fhir(program.value).coding()]},
                "description": f"Cases of the {program.value} program.",
                "population": [
                    _cohort(program.value),
                    *(_population(code) for code in POPULATIONS),
                ],
                "stratifier": [
                    {"code": coded(code), "description": d, **financial.stratifier_criteria(code)}
                    for code, (_, d) in STRATIFIERS.items()
                ],
            }
            for program in ProgramType
        ],
    }


def _concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _cohort(program: str) -> dict[str, Any]:
    rule = (
        "Cases open at some time in the period: opened on or before its end, not closed or "
        "cancelled before its start."
    )
    expression = (
        f"EpisodeOfCare.where(type.coding.where(system = '{canonical.code_system('program-type')}'"
        f" and code = '{program}').exists() and period.start <= %periodEnd "
        "and (period.end.empty() or period.end >= %periodStart))"
    )
    return {
        "code": {"coding": [{**COHORT, "display": "Initial Population"}]},
        "description": rule,
        "criteria": _criteria(rule, expression),
    }


def _population(code: str) -> dict[str, Any]:
    _, definition = POPULATIONS[code]
    return {
        "code": coded(code),
        "description": definition,
        "criteria": _criteria(definition, CRITERIA[code]),
    }


def _criteria(rule: str, expression: str) -> dict[str, Any]:
    return {"description": rule, "language": _FHIRPATH, "expression": expression}


def write_definitions(folder: Path, version: str) -> list[Path]:
    """Write the three files into ``folder`` (a FHIR package); the paths written."""
    written = []
    for resource in (code_system(version), value_set(version), measure(version)):
        path = folder / f"{resource['resourceType']}-{resource['id']}.json"
        path.write_text(json.dumps(resource, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    from adapter.profiles import load_package, package_dir

    for path in write_definitions(package_dir(), load_package().version):
        print(path)
