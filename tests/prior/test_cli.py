import numpy as np
from click.testing import CliRunner

from pasyn.prior.cli import cli


def test_fit_sample_show_on_the_builtin_zebra(tmp_path, monkeypatch):
    monkeypatch.setenv("PASYN_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    checkpoint = tmp_path / "prior.pt"
    result = runner.invoke(cli, ["fit", "--models", "zebra", "--method", "gaussian", "--out", str(checkpoint)])
    assert result.exit_code == 0, result.output
    assert checkpoint.is_file() and any((tmp_path / "cache").rglob("*.npz"))  # frames cached for the next fit

    samples = tmp_path / "samples.npz"
    result = runner.invoke(cli, ["sample", "--prior", str(checkpoint), "-n", "5", "--model", "zebra",
                                 "--out", str(samples)])
    assert result.exit_code == 0, result.output
    with np.load(samples) as data:
        assert data["relative"].shape[:2] == (5, 38) and data["local_poses"].shape[0] == 5
        assert np.isfinite(data["local_poses"]).all()

    picture = tmp_path / "grid.png"
    result = runner.invoke(cli, ["show", "--prior", str(checkpoint), "-n", "4", "--out", str(picture)])
    assert result.exit_code == 0, result.output
    assert picture.stat().st_size > 1000

    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x00" * 10)
    result = runner.invoke(cli, ["sample", "--prior", str(bad), "--out", str(samples)])
    assert result.exit_code == 1 and "bad.pt" in result.output


def test_cold_and_warm_frame_cache_give_the_same_frames(tmp_path, monkeypatch):
    """The first fit (frames computed) and every later one (frames read from the cache) see the same numbers."""
    from pasyn.prior.frames import load_model_frames
    from pasyn.prior.retarget import CanonicalSkeleton

    monkeypatch.setenv("PASYN_CACHE", str(tmp_path / "cache"))
    skeleton = CanonicalSkeleton()
    cold = load_model_frames("zebra", skeleton)
    warm = load_model_frames("zebra", skeleton)
    assert any((tmp_path / "cache").rglob("*.npz")), "the first call fills the cache"
    assert list(cold.clips) == list(warm.clips)
    for name in cold.clips:
        np.testing.assert_array_equal(cold.clips[name].relative, warm.clips[name].relative, err_msg=name)
        np.testing.assert_array_equal(cold.clips[name].height, warm.clips[name].height, err_msg=name)
