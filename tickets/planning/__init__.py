"""Work planning: the engineers' planned visits, tasks and absences, linked to tickets where
they serve one, the rules of who plans for whom and what may not overlap, and the week views
the desk plans with.

May import from `tickets` (models, desk, workflow, contracts) and `kb_service`.
"""
