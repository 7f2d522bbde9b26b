"""Article views and "did this help?" votes: what readers opened and whether it helped (KCS)."""
