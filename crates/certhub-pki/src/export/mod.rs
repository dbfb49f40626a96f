//! Export formats: PEM bundles, PFX, JKS and the per-server ZIP archives.
