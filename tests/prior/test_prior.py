import numpy as np
import pytest
import torch

from pasyn.prior import METHODS, CheckpointError, PosePrior, VAEConfig, fit_prior, sample_local_poses
from pasyn.prior.frames import extract_model_frames, split_clips
from pasyn.prior.retarget import CanonicalSkeleton

SMALL_VAE = VAEConfig(steps=40, hidden=32, latent=8, batch=32)


@pytest.fixture
def tiny_frames(tiny):
    model, kmap = tiny
    frames = extract_model_frames(model, kmap, CanonicalSkeleton(), fps=60)
    frames.model_id = "tiny"
    return [frames]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_samples_valid_rotations_and_survives_a_checkpoint(method, tiny_frames, tmp_path):
    prior = fit_prior(method, frames=tiny_frames, vae_config=SMALL_VAE)
    poses = prior.sample(50, np.random.default_rng(1), filtered=False)
    rotations = poses.relative
    assert rotations.shape == (50, prior.skeleton.n_joints, 3, 3) and poses.height.shape == (50,)
    np.testing.assert_allclose(rotations @ np.swapaxes(rotations, -1, -2), np.broadcast_to(np.eye(3), rotations.shape),
                               atol=1e-6)
    path = prior.save(tmp_path / f"{method}.pt")
    loaded = PosePrior.load(path)
    assert loaded.method == method and loaded.models == ["tiny"]
    again = loaded.sample(50, np.random.default_rng(1), filtered=False)
    np.testing.assert_allclose(again.relative, poses.relative, atol=1e-6)
    np.testing.assert_allclose(again.height, poses.height, atol=1e-6)
    np.testing.assert_allclose(loaded.limits.low, prior.limits.low)
    np.testing.assert_allclose(loaded.rest.heads, prior.rest.heads)


def test_filtered_samples_all_pass_and_acceptance_is_reported(tiny_frames):
    prior = fit_prior("gaussian", frames=tiny_frames)
    poses = prior.sample(200, np.random.default_rng(0), temperature=1.5)
    assert len(poses) == 200 and prior.is_valid(poses).all()
    assert 0.0 < prior.last_acceptance <= 1.0


def test_same_seed_same_samples(tiny_frames):
    prior = fit_prior("vae", frames=tiny_frames, vae_config=SMALL_VAE)
    again = fit_prior("vae", frames=tiny_frames, vae_config=SMALL_VAE)
    a = prior.sample(20, np.random.default_rng(5), filtered=False)
    b = again.sample(20, np.random.default_rng(5), filtered=False)
    np.testing.assert_allclose(a.relative, b.relative, atol=1e-6)


def test_sample_local_poses_poses_the_model(tiny, tiny_frames):
    model, kmap = tiny
    prior = fit_prior("replay", frames=tiny_frames)
    local = sample_local_poses(prior, model, kmap, 8, np.random.default_rng(0))
    assert local.shape == (8, len(model.skeleton), 4, 4) and np.isfinite(local).all()
    by_name = sample_local_poses("uniform", model, kmap, 3, np.random.default_rng(0))
    assert by_name.shape == (3, len(model.skeleton), 4, 4)


def test_bad_checkpoints_give_clear_errors(tiny_frames, tmp_path):
    prior = fit_prior("gaussian", frames=tiny_frames)
    good = prior.save(tmp_path / "good.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated.pt.*not a readable"):
        PosePrior.load(truncated)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="garbage.pt"):
        PosePrior.load(garbage)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(CheckpointError, match="foreign.pt.*not a pose prior checkpoint"):
        PosePrior.load(foreign)
    data = torch.load(good, weights_only=True)
    data["version"] = 99
    future = tmp_path / "future.pt"
    torch.save(data, future)
    with pytest.raises(CheckpointError, match="future.pt.*version 99"):
        PosePrior.load(future)
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        PosePrior.load(tmp_path / "missing.pt")


def test_clip_split_holds_out_whole_clips(tiny_frames):
    frames = tiny_frames[0]
    frames.clips["other"] = frames.clips["move"][:5]
    train, test = split_clips([frames], holdout=0.5, seed=0)
    assert len(test) == 1 and len(train) == 1 and set(train).isdisjoint(test)
    assert split_clips([frames], holdout=0.5, seed=0) == (train, test)
