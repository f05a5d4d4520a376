package io.fedmesh.ml.eval;

/**
 * How well a model does on a dataset. Precision, recall and F1 are of class 1 for binary tasks (the
 * rare class: fraud), macro-averaged over classes otherwise; ROC AUC is for binary tasks only (NaN
 * otherwise, and when one class is absent).
 */
public record Metrics(int examples, double loss, double accuracy, double precision, double recall, double f1, double auc) {}
