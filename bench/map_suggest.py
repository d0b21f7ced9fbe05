"""Write the keypoint maps of the shared Quaternius models (src/pasyn/assets/maps/*.yaml) from a few rules.

The maps are data; this script records how they were made, so they can be remade when a model or the mesh
merge order of pasyn.assets.gltf changes. Check every result by eye with bench/map_report.py and by
`pasyn assets check --all` before committing it.

    .venv/bin/python bench/map_suggest.py                 # all 19 maps
    .venv/bin/python bench/map_suggest.py Zebra Pug       # only ids containing one of these words

Rules (V vertices of the rest pose, Z up, the models face -y, '.L' bones and the animal's left at +x):
- eyes: vertices of the eye materials on each side; models without eyes (the farm pack) get the 1-4 head-surface
  vertices whose mean is nearest a hand-placed anatomical eye position (EYE below, mirrored for the right eye);
- nose: the most forward head vertices (within 2 % of the height), or a hand-placed nose-pad position;
- paws: the lowest vertices (within 1.5 % of the height) of each foot in the first Idle frame, where all four
  feet stand (some rest poses are mid-stride);
- neck, root of tail, shoulder, elbow, hip, knee: joints or points between joints, per rig (RIGS below), with
  per-model fractions set from the pictures of bench/map_report.py.
"""
from __future__ import annotations

import argparse
import textwrap
from itertools import combinations
from pathlib import Path

import numpy as np

from pasyn.assets.gltf import load_gltf
from pasyn.assets.keypoint_map import parse_keypoint_map
from pasyn.data.ap10k import KEYPOINT_NAMES

REPO = Path(__file__).resolve().parents[1]
MAPS = REPO / "src" / "pasyn" / "assets" / "maps"
MODELS = REPO / ".." / "shared" / "assets" / "models"
SIDES = (("left", "L", 1.0), ("right", "R", -1.0))

ANATOMY = {"shoulder": "where the foreleg leaves the body (elbow region)", "elbow": "carpus (front knee)",
           "hip": "stifle: where the hind leg leaves the body", "knee": "hock",
           "neck": "base of the neck, midline", "root_of_tail": "where the tail leaves the body"}


def _legs(front: list[str], hind: list[str]) -> dict[str, list[str]]:
    return {f"{leg}_{side}": [b.format(S=s) for b in bones]
            for side, s, _ in SIDES for leg, bones in (("front", front), ("hind", hind))}


# Per rig: leg chains, default keypoint specs ('{S}' = L or R). The tail chain is every Tail<n> joint.
RIGS = {
    "quaternius-animals": {
        "chains": {"spine": ["Back", "Torso", "Torso2", "Torso3"], "neck": ["Neck1", "Neck2", "Neck3"],
                   "head": ["Head"],
                   **_legs(["FrontShoulder.{S}", "FrontUpperLeg.{S}", "FrontLowerLeg.{S}"],
                           ["BackShoulder.{S}", "BackLeg.{S}", "BackUpperLeg.{S}", "BackLowerLeg.{S}"])},
        "shoulder": {"joint": "FrontUpperLeg.{S}", "toward": "FrontLowerLeg.{S}", "at": 0.3},
        "elbow": {"joint": "FrontLowerLeg.{S}"},
        "hip": {"joint": "BackUpperLeg.{S}"},
        "knee": {"joint": "BackLowerLeg.{S}"},
        "neck": {"joint": "Neck1"},
        "root_of_tail": {"joint": "Tail1"},
        "note": "Chains leave out the IK/pole bones (IKFrontLeg, FF, IKBackLeg, FFB, PoleTarget*), although the IK "
                "foot bones deform the lower foot and hang from the armature root; pasyn.prior.retarget appends such "
                "foot bones to the nearest leg.",
    },
    "quaternius-farm": {
        "chains": {"spine": ["Back", "Hips", "Torso", "Shoulders"], "neck": ["Neck"], "head": ["Head"],
                   **_legs(["FrontLeg.{S}", "FrontUpLeg.{S}", "FrontLowLeg.{S}", "FrontFoot.{S}"],
                           ["BackLeg.{S}", "BackUpLeg.{S}", "BackLowLeg.{S}", "BackFoot.{S}"])},
        "shoulder": {"joint": "FrontUpLeg.{S}", "toward": "FrontLowLeg.{S}", "at": 0.3},
        "elbow": {"joint": "FrontLowLeg.{S}"},
        "hip": {"joint": "BackUpLeg.{S}", "toward": "BackLowLeg.{S}", "at": 0.3},
        "knee": {"joint": "BackLowLeg.{S}"},
        "neck": {"joint": "Shoulders", "toward": "Neck", "at": 0.3},
        "root_of_tail": {"joint": "Tail1"},
        "note": "Leg chains end in the foot bones FrontFoot/BackFoot, which deform the feet but hang from 'root' "
                "(IK targets), not from the leg.",
    },
}
CANID = {
    "shoulder": {"joint": "FrontUpperLeg.{S}", "toward": "FrontLowerLeg.{S}", "at": 0.7},
    "elbow": {"joint": "FrontLowerLeg.{S}", "toward": "IKFrontLeg.{S}", "at": 0.9},
    "foot": "paw pad",
    "notes": {"elbow": "canid rig: FrontLowerLeg is the forearm, the wrist sits just above the IK foot joint",
              "shoulder": "just above the elbow joint FrontLowerLeg"},
}
CAMELID = ("AP-10K has no camelid (llama, alpaca); 'sheep' is its closest category: a woolly, farm-kept, "
           "even-toed grazer of similar size and outline.")


def farm_legs(shoulder: float | None = None, hip: float | None = None) -> dict:
    """Farm-rig shoulder / hip specs at other fractions down the upper leg than the rig default."""
    out = {}
    if shoulder is not None:
        out["shoulder"] = {"joint": "FrontUpLeg.{S}", "toward": "FrontLowLeg.{S}", "at": shoulder}
    if hip is not None:
        out["hip"] = {"joint": "BackUpLeg.{S}", "toward": "BackLowLeg.{S}", "at": hip}
    return out


# Per model: species, eye materials or a hand-placed left-eye position (x, y, z), and overrides of RIGS.
MODELS_CFG = {
    "quaternius-animals/Horse": {"species": "horse", "eye_materials": ["Eye_Black", "Eye_White"]},
    "quaternius-animals/Horse_White": {"species": "horse", "eye_materials": ["Eye_Black", "Eye_White"]},
    "quaternius-animals/Donkey": {
        "species": "horse", "eye_materials": ["Eye_Dark", "Eye_White"],
        "species_note": "a donkey is an equid (Equus asinus); AP-10K's 'horse' is the closest category (its "
                        "'zebra' is defined by stripes)."},
    "quaternius-animals/Cow": {"species": "cow", "eye_materials": ["Eye_Black", "Eye_White"]},
    "quaternius-animals/Bull": {
        "species": "cow", "eye_materials": ["Eye_Black", "Eye_White"],
        "species_note": "a bull is male domestic cattle (Bos taurus): AP-10K 'cow'; its 'buffalo' and 'bison' are "
                        "other genera."},
    "quaternius-animals/Deer": {"species": "deer", "eye_materials": ["Eye_Black", "Eye_White"]},
    "quaternius-animals/Stag": {"species": "deer", "eye_materials": ["Material.011"],
                                "species_note": "a male red deer: AP-10K 'deer'."},
    "quaternius-animals/Alpaca": {"species": "sheep", "eye_materials": ["Eyes_Black", "Eyes_White"],
                                  "foot": "two-toed foot", "species_note": CAMELID},
    "quaternius-animals/Husky": {**CANID, "species": "dog", "eye_materials": ["Material.002", "Material.003"]},
    "quaternius-animals/ShibaInu": {**CANID, "species": "dog",
                                    "eye_materials": ["Eyes_Black", "Eyes_White", "Eyes_Pupil"]},
    # the Fox's 'Black' material is its nose as well as its eyes: keep the two lateral islands
    "quaternius-animals/Fox": {**CANID, "species": "fox", "eye_materials": ["Black"], "eye_min_x": 0.15},
    "quaternius-animals/Wolf": {**CANID, "species": "wolf", "eye_materials": ["Eyes_Black"]},
    "quaternius-farm/Zebra": {"species": "zebra", "eye": [0.48, -3.8, 6.1]},
    "quaternius-farm/Horse": {"species": "horse", "eye": [0.48, -3.8, 6.1]},
    "quaternius-farm/Cow": {"species": "cow", "eye": [0.42, -3.95, 4.45],
                            "neck": {"joint": "Shoulders", "toward": "Neck", "at": 0.55}, **farm_legs(0.45)},
    "quaternius-farm/Llama": {"species": "sheep", "eye": [0.2, -2.1, 5.35], "foot": "two-toed foot",
                              "root_of_tail": {"joint": "Back"}, "species_note": CAMELID},
    "quaternius-farm/Pig": {"species": "pig", "eye": [0.62, -3.85, 3.2], "neck": {"joint": "Neck"},
                            "root_of_tail": {"near": [0, 4.45, 3.55]}, **farm_legs(0.53, 0.55)},
    "quaternius-farm/Pug": {"species": "dog", "eye": [0.24, -1.85, 2.3], "nose_near": [0, -1.98, 2.1],
                            "foot": "paw pad", "neck": {"joint": "Shoulders", "toward": "Neck", "at": 0.4},
                            "root_of_tail": {"near": [0, 1.2, 1.72]}, **farm_legs(0.6),
                            "elbow": {"joint": "FrontLowLeg.{S}", "toward": "FrontFoot.{S}", "at": 0.7},
                            "notes": {"elbow": "the wrist, above the paw"}},
    "quaternius-farm/Sheep": {"species": "sheep", "eye": [0.33, -2.65, 3.85], "neck": {"joint": "Neck"},
                              "root_of_tail": {"near": [0, 2.3, 3.2]}, **farm_legs(0.6, 0.5)},
}


def vertices_near(vertices: np.ndarray, target: np.ndarray, candidates: np.ndarray, n_near: int = 14,
                  max_count: int = 4) -> np.ndarray:
    """The 1..max_count candidate vertices (among the n_near nearest) whose mean is nearest the target point,
    preferring compact sets: low-poly surfaces rarely have a vertex exactly where a landmark is."""
    near = candidates[np.argsort(np.linalg.norm(vertices[candidates] - target, axis=1))[:n_near]]
    best, best_score = None, np.inf
    for count in range(1, max_count + 1):
        for combo in combinations(near, count):
            points = vertices[list(combo)]
            score = np.linalg.norm(points.mean(0) - target) + 0.05 * np.linalg.norm(points - target, axis=1).mean()
            if score < best_score:
                best, best_score = list(combo), score
    return np.array(best)


def _ids(ids) -> list[int]:
    return sorted(int(i) for i in ids)


def suggest(model_id: str, models_root: Path) -> tuple[dict, dict[str, str], str]:
    """(map dict ready for YAML, comment per keypoint, header text) for one model."""
    folder = model_id.split("/")[0]
    cfg = {**RIGS[folder], **MODELS_CFG[model_id]}
    file = next(models_root.glob(f"{model_id}.gl*"))
    model = load_gltf(file)
    names = model.skeleton.names
    rest = model.global_transforms()
    vertices, origins = model.skin(rest), rest[:, :3, 3]
    idle_clip = model.clip("Idle")
    idle_vertices = model.skin(model.global_transforms(model.pose_at(idle_clip, idle_clip.start)))
    height = vertices[:, 2].max() - vertices[:, 2].min()
    dominant = model.mesh.joints[np.arange(len(vertices)), model.mesh.weights.argmax(axis=1)]
    head_ids = np.where(dominant == names.index("Head"))[0]
    vertex_material = np.empty(len(vertices), dtype=object)
    for face, material in zip(model.mesh.faces, model.mesh.face_material):
        vertex_material[face] = model.mesh.materials[material].name
    notes = cfg.get("notes", {})

    keypoints, comments = {}, {}
    for side, s, sign in SIDES:
        # paws: split the low vertices into front and hind by the midpoint of the carpus and hock joints
        front_y = origins[names.index(cfg["elbow"]["joint"].format(S=s)), 1]
        hind_y = origins[names.index(cfg["knee"]["joint"].format(S=s)), 1]
        for leg, in_front in (("front", True), ("back", False)):
            low = np.where((idle_vertices[:, 2] < 0.15 * height) & (idle_vertices[:, 0] * sign > 0)
                           & ((idle_vertices[:, 1] < (front_y + hind_y) / 2) == in_front))[0]
            sole = low[idle_vertices[low, 2] <= idle_vertices[low, 2].min() + 0.015 * height]
            keypoints[f"{side}_{leg}_paw"] = {"vertices": _ids(sole)}
            comments[f"{side}_{leg}_paw"] = f"{cfg.get('foot', 'hoof')}: its lowest vertices in the Idle pose"
        for part in ("shoulder", "elbow", "hip", "knee"):
            keypoints[f"{side}_{part}"] = {k: v.format(S=s) if isinstance(v, str) else v for k, v in cfg[part].items()}
            comments[f"{side}_{part}"] = ANATOMY[part] + (f" ({notes[part]})" if part in notes else "")
        if "eye_materials" in cfg:
            eye = np.where(np.isin(vertex_material, cfg["eye_materials"])
                           & (vertices[:, 0] * sign > cfg.get("eye_min_x", 0.02)))[0]
            comments[f"{side}_eye"] = f"eyeball: {'/'.join(cfg['eye_materials'])} vertices on the animal's {side}"
        else:
            target = np.array(cfg["eye"], float) * [sign, 1, 1]
            eye = vertices_near(vertices, target, head_ids[vertices[head_ids, 0] * sign > 0])
            comments[f"{side}_eye"] = "no eye in the mesh: head-surface vertices around the anatomical eye position"
        keypoints[f"{side}_eye"] = {"vertices": _ids(eye)}

    if "nose_near" in cfg:
        keypoints["nose"] = {"vertices": _ids(vertices_near(vertices, np.array(cfg["nose_near"], float), head_ids))}
        comments["nose"] = "nose pad centre (the flat face has no single tip)"
    else:
        forward = -vertices[head_ids, 1]
        keypoints["nose"] = {"vertices": _ids(head_ids[forward >= forward.max() - 0.02 * height])}
        comments["nose"] = "muzzle tip: its most forward vertices"
    for part in ("neck", "root_of_tail"):
        spec = cfg[part]
        if "near" in spec:
            keypoints[part] = {"vertices": _ids(vertices_near(vertices, np.array(spec["near"], float),
                                                              np.arange(len(vertices))))}
        else:
            keypoints[part] = dict(spec)
        comments[part] = ANATOMY[part]

    chains = dict(cfg["chains"])
    tails = sorted((n for n in names if n.startswith("Tail")), key=lambda n: int(n[4:]))
    if tails:
        chains["tail"] = tails
    chain_order = ("spine", "neck", "head", "tail", "front_left", "front_right", "hind_left", "hind_right")
    doc = {"model": f"{model_id}{file.suffix}", "species": cfg["species"],
           "keypoints": {name: keypoints[name] for name in KEYPOINT_NAMES},
           "chains": {c: chains[c] for c in chain_order if c in chains}}
    parse_keypoint_map(doc, model, model_id)  # raises on any unknown joint or bad vertex id
    header = (f"Keypoint map of {model_id} (Quaternius, CC0) in the AP-10K convention of "
              "../shared/docs/keypoints.md; how to read and write one: docs/keypoint-maps.md. Made with "
              "bench/map_suggest.py, checked by eye with bench/map_report.py and by `pasyn assets check`.\n"
              "The model faces -y with +z up; its '.L' bones sit at +x, the animal's own left (checked on the mesh).\n"
              "Vertex ids index the merged mesh of pasyn.assets.gltf.load_gltf (skinned primitives in file order, "
              "then rigid parts).\n")
    if "species_note" in cfg:
        header += f"species: {cfg['species_note']}\n"
    header += cfg["note"] + "\n"
    return doc, comments, header


def to_yaml(doc: dict, comments: dict[str, str], header: str) -> str:
    """One line per keypoint (flow style) with its comment; yaml.safe_load reads it back to `doc`."""
    def spec_text(spec: dict) -> str:
        if "vertices" in spec:
            return "{vertices: [" + ", ".join(map(str, spec["vertices"])) + "]}"
        parts = [f"joint: {spec['joint']}"]
        if "toward" in spec:
            parts += [f"toward: {spec['toward']}", f"at: {spec['at']}"]
        return "{" + ", ".join(parts) + "}"

    lines = [f"# {wrapped}" for line in header.strip().splitlines() for wrapped in textwrap.wrap(line, 114)]
    lines += [f"model: {doc['model']}", f"species: {doc['species']}", "keypoints:"]
    lines += [f"  {name}: {spec_text(spec)}  # {comments[name]}" for name, spec in doc["keypoints"].items()]
    lines += ["chains:"] + [f"  {chain}: [{', '.join(bones)}]" for chain, bones in doc["chains"].items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="write only the ids containing one of these words")
    parser.add_argument("--models", type=Path, default=MODELS)
    parser.add_argument("--out", type=Path, default=MAPS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for model_id in MODELS_CFG:
        if args.only and not any(word in model_id for word in args.only):
            continue
        out = args.out / f"{model_id.replace('/', '__')}.yaml"
        out.write_text(to_yaml(*suggest(model_id, args.models)))
        print(out)


if __name__ == "__main__":
    main()
