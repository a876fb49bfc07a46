"""Assessments: provider interview flows attached to a job."""
