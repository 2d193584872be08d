"""Theme tagging: which of the plan's themes an article is about (or none), why, and how sure.

Public API: training.train, model.ThemeModel (load/predict_proba/assign), data.repo_examples /
load_labels_jsonl, evaluation.cross_validate, keywords.keyword_predict, explain.explain.
"""
