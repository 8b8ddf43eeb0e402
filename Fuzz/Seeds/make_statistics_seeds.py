"""Small statistics files in each layout StatisticsFile reads, as seeds for the statistics
fuzz campaign (scripts/fuzz statistics). Run once in Fuzz/Seeds/statistics with numpy; the outputs are
committed."""
import numpy as np

rng = np.random.default_rng(0)
features = rng.standard_normal((6, 3))
mu, sigma = features.mean(axis=0), np.cov(features, rowvar=False)
logits = rng.standard_normal((6, 4))

np.savez("pytorch_fid_d3.npz", mu=mu, sigma=sigma)
np.savez_compressed("pytorch_fid_d3_compressed.npz", mu=mu, sigma=sigma)
np.savez("clean_fid_d3.npz", mu=mu.astype(np.float32), sigma=sigma)
np.savez("fidviz_d3.npz", mu=mu, sigma=sigma, n=np.array(6), top1_hist=np.array([1, 2, 0, 3]),
         mu_logits=logits.mean(axis=0), sigma_logits=np.cov(logits, rowvar=False), fidviz=np.array("seed"))
np.savez("adm_d3.npz", arr_0=np.zeros((1, 2, 2, 3), np.uint8), mu=mu, sigma=sigma, mu_s=mu[:2],
         sigma_s=sigma[:2, :2])
np.savez("features_d3.npz", pool3=features.astype(np.float32), logits=logits.astype(np.float32),
         files=np.array([f"{i}.png" for i in range(6)]))
np.savez("feats_d3.npz", feats=features)
