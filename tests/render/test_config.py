import pytest

from pasyn.render.config import RenderConfig, config_from_dict, load_config


def test_defaults_are_valid_and_round_trip_through_a_dict():
    cfg = RenderConfig()
    assert cfg.samples == 8 and cfg.world_map_resolution == 256 and cfg.denoise_quality == "FAST"
    assert config_from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize("changes,field", [
    ({"fill": (0.9, 0.4)}, "fill"), ({"elevation": (-5.0, 95.0)}, "elevation"), ({"samples": 0}, "samples"),
    ({"size": 12.5}, "size"), ({"focal_mm": (50.0,)}, "focal_mm"), ({"side_view_prob": 1.5}, "side_view_prob"),
    ({"denoise_quality": "ULTRA"}, "denoise_quality"), ({"denoise": "yes"}, "denoise"),
])
def test_bad_values_name_the_field(changes, field):
    with pytest.raises(ValueError, match=field):
        RenderConfig(**changes)


def test_yaml_overrides_lists_become_ranges_and_unknown_keys_fail(tmp_path):
    path = tmp_path / "render.yaml"
    path.write_text("samples: 16\nfill: [0.5, 0.8]\n")
    cfg = load_config(path)
    assert cfg.samples == 16 and cfg.fill == (0.5, 0.8) and cfg.size == 256
    path.write_text("sampels: 16\n")
    with pytest.raises(ValueError, match=r"render.yaml.*sampels"):
        load_config(path)
    path.write_text("fill: [0.5, 1.5]\n")
    with pytest.raises(ValueError, match=r"render.yaml.*fill"):
        load_config(path)
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        load_config(tmp_path / "missing.yaml")
