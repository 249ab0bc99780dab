"""A community organization on the Gravity referral pattern, by raw HTTP: it reads the Tasks
it owns and their ServiceRequests, and moves a Task only along the performer's transitions of
the guide, changing nothing but ``status``, ``statusReason`` and ``output``, each update
conditional on the version it read (``If-Match``)."""

from __future__ import annotations

from typing import Any

import httpx

TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"

#: The performer's moves (SDOHCC TaskForReferralManagement's state table).
PERFORMER_MOVES = {
    "requested": {"accepted", "rejected"},
    "accepted": {"in-progress", "on-hold", "completed", "failed"},
    "in-progress": {"on-hold", "completed", "failed"},
    "on-hold": {"in-progress", "failed"},
}


class CommunityOrganization:
    def __init__(self, server: str) -> None:
        self.http = httpx.Client(base_url=server, timeout=60)

    def close(self) -> None:
        self.http.close()

    def read(self, url: str) -> tuple[dict[str, Any], str]:
        answer = self.http.get(url, headers={"Cache-Control": "no-cache"})
        assert answer.status_code == 200, answer.text[:300]
        body = answer.json()
        return body, str(body["meta"]["versionId"])

    def inbox(self, owner: str) -> list[dict[str, Any]]:
        """The Tasks addressed to ``owner`` still waiting for an answer."""
        answer = self.http.get("Task", params={"owner": owner, "status": "requested"})
        assert answer.status_code == 200, answer.text[:300]
        return [e["resource"] for e in answer.json().get("entry", [])]

    def move(
        self, task_url: str, status: str, *, reason: str | None = None, activity: str | None = None
    ) -> dict[str, Any]:
        """One status-only update, checked against the guide's performer moves."""
        task, version = self.read(task_url)
        assert status in PERFORMER_MOVES.get(task["status"], set()), (task["status"], status)
        task["status"] = status
        if reason is not None:
            task["statusReason"] = {"text": reason}
        if activity is not None:
            kind = {"coding": [{"system": SDOHCC, "code": "resulting-activity"}]}
            task["output"] = [{"type": kind, "valueCodeableConcept": {"text": activity}}]
        answer = self.http.put(task_url, json=task, headers={"If-Match": f'W/"{version}"'})
        assert answer.status_code == 200, answer.text[:300]
        written = answer.json()
        assert written["status"] == status
        assert int(written["meta"]["versionId"]) == int(version) + 1
        return dict(written)

    def cancellations(self, task_url: str) -> list[dict[str, Any]]:
        """The abort Tasks (code abort) whose focus is ``task_url``."""
        answer = self.http.get("Task", params={"focus": task_url, "code": f"{TASK_CODE}|abort"})
        assert answer.status_code == 200, answer.text[:300]
        return [e["resource"] for e in answer.json().get("entry", [])]

    def answer_cancellation(self, abort: dict[str, Any], *, agree: bool, reason: str = "") -> None:
        """The performer's answer to an abort Task: agreeing, it cancels the referral (the one
        move to ``cancelled`` a performer makes) and completes the abort; else it rejects the
        abort with a reason and the referral goes on. Status-only updates with If-Match."""
        url = f"Task/{abort['id']}"
        if agree:
            target, version = self.read(abort["focus"]["reference"])
            assert target["status"] in PERFORMER_MOVES, target["status"]
            self._put(abort["focus"]["reference"], {**target, "status": "cancelled"}, version)
        current, version = self.read(url)
        assert current["status"] == "requested", current["status"]
        answer = {**current, "status": "completed" if agree else "rejected"}
        if not agree:
            answer["statusReason"] = {"text": reason}
        self._put(url, answer, version)

    def _put(self, url: str, body: dict[str, Any], version: str) -> None:
        answer = self.http.put(url, json=body, headers={"If-Match": f'W/"{version}"'})
        assert answer.status_code == 200, answer.text[:300]
        assert answer.json()["status"] == body["status"]
