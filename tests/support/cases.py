"""A small valid case as raw input, for tests that break one thing at a time."""

from __future__ import annotations

from typing import Any


def valid_case_data() -> dict[str, Any]:
    """A fresh, valid, active case (input form) touching every kind of record."""
    return {
        "id": "CM-1001",
        "program": "complex-care",
        "status": "active",
        "opened_on": "2024-03-01",
        "client": {
            "id": "CL-1",
            "identifiers": [{"kind": "mrn", "value": "MRN-558201", "assigner": "Riverside"}],
            "name": {"family": "Okafor", "given": ["Adaeze"]},
            "birth_date": "1961-07-14",
            "gender": "female",
            "language": "en",
        },
        "referral": {
            "id": "REF-1",
            "source_type": "physician",
            "received_on": "2024-02-26",
            "reason": "Three ED visits for heart failure in 60 days",
        },
        "screening": {
            "screened_on": "2024-02-28",
            "acuity": "high",
            "criteria": [{"criterion": "high-ed-utilization", "count": 3}],
        },
        "consents": [
            {
                "id": "CON-1",
                "scope": "participation",
                "status": "granted",
                "recorded_on": "2024-03-01",
            }
        ],
        "case_manager_id": "CT-1",
        "care_team": [
            {"id": "CT-1", "kind": "professional", "name": "Lena Brooks", "role": "case-manager"},
            {
                "id": "CT-2",
                "kind": "organization",
                "name": "Meals Together",
                "role": "service-provider",
            },
        ],
        "assessments": [
            {
                "id": "AS-1",
                "kind": "initial",
                "status": "completed",
                "performed_on": "2024-03-04",
                "assessor_id": "CT-1",
                "domains": ["medical", "social-determinants"],
                "findings": [{"domain": "medical", "text": "NYHA class III"}],
            }
        ],
        "needs": [
            {
                "id": "N-1",
                "kind": "need",
                "domain": "social-determinants",
                "description": "Cannot shop for low-sodium food",
                "status": "active",
                "identified_on": "2024-03-04",
                "assessment_id": "AS-1",
            }
        ],
        "plan": {
            "id": "PLAN-1",
            "title": "Heart failure self-management",
            "status": "active",
            "created_on": "2024-03-06",
            "goals": [
                {
                    "id": "G-1",
                    "description": "No ED visits for 90 days",
                    "lifecycle": "active",
                    "need_ids": ["N-1"],
                    "target": {"measure": "ED visits", "value": "0", "due_date": "2024-06-06"},
                }
            ],
        },
        "tasks": [
            {
                "id": "T-1",
                "type": "referral",
                "title": "Refer to home-delivered meals",
                "status": "requested",
                "owner_id": "CT-2",
                "goal_ids": ["G-1"],
                "created_at": "2024-03-06T10:15:00-05:00",
            }
        ],
        "notes": [
            {
                "id": "NOTE-1",
                "kind": "contact",
                "recorded_at": "2024-03-08T14:00:00Z",
                "mode": "phone",
                "reached": True,
                "text": "Client reports weighing herself daily.",
            }
        ],
    }
