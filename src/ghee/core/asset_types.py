"""What kind of asset a depot path holds, from Unreal naming prefixes and file extensions."""

from __future__ import annotations

import posixpath

# Unreal Engine's asset naming convention (Epic's recommended prefixes).
# Longer prefixes first so MI_ wins over M_.
_UNREAL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("ABP_", "animation_blueprint"),
    ("WBP_", "widget_blueprint"),
    ("BP_", "blueprint"),
    ("MI_", "material_instance"),
    ("MF_", "material_function"),
    ("M_", "material"),
    ("SM_", "static_mesh"),
    ("SK_", "skeletal_mesh"),
    ("SKEL_", "skeleton"),
    ("PHYS_", "physics_asset"),
    ("AM_", "animation_montage"),
    ("BS_", "blend_space"),
    ("AS_", "animation"),
    ("A_", "sound"),
    ("S_", "sound"),
    ("SC_", "sound_cue"),
    ("T_", "texture"),
    ("TC_", "texture_cube"),
    ("RT_", "render_target"),
    ("NS_", "niagara_system"),
    ("NE_", "niagara_emitter"),
    ("PS_", "particle_system"),
    ("DT_", "data_table"),
    ("DA_", "data_asset"),
    ("CT_", "curve_table"),
    ("LS_", "level_sequence"),
    ("MAP_", "map"),
    ("L_", "map"),
    ("F_", "font"),
)

_EXTENSIONS: dict[str, str] = {
    ".umap": "map",
    ".unity": "scene",
    ".tscn": "scene",
    ".prefab": "prefab",
    ".mat": "material",
    ".fbx": "model",
    ".obj": "model",
    ".gltf": "model",
    ".glb": "model",
    ".blend": "model",
    ".ma": "model",
    ".mb": "model",
    ".max": "model",
    ".png": "texture",
    ".tga": "texture",
    ".psd": "texture",
    ".exr": "texture",
    ".dds": "texture",
    ".jpg": "texture",
    ".jpeg": "texture",
    ".tif": "texture",
    ".tiff": "texture",
    ".wav": "sound",
    ".ogg": "sound",
    ".mp3": "sound",
    ".flac": "sound",
    ".bank": "sound",
    ".mp4": "video",
    ".mov": "video",
    ".bk2": "video",
    ".anim": "animation",
    ".controller": "animation",
    ".ttf": "font",
    ".otf": "font",
    ".shader": "shader",
    ".usf": "shader",
    ".ush": "shader",
    ".hlsl": "shader",
    ".glsl": "shader",
    ".cpp": "code",
    ".h": "code",
    ".hpp": "code",
    ".c": "code",
    ".cs": "code",
    ".py": "code",
    ".gd": "code",
    ".lua": "code",
    ".js": "code",
    ".ts": "code",
    ".go": "code",
    ".rs": "code",
    ".ini": "config",
    ".json": "config",
    ".yaml": "config",
    ".yml": "config",
    ".toml": "config",
    ".xml": "config",
    ".uproject": "config",
    ".uplugin": "config",
    ".asset": "data",
    ".csv": "data",
    ".md": "document",
    ".txt": "document",
    ".pdf": "document",
}


def infer_asset_type(path: str) -> str:
    """The asset type of a depot path (``T_Warrior_D.uasset`` → ``texture``), ``other`` if unknown."""
    name = posixpath.basename(path)
    stem, ext = posixpath.splitext(name)
    ext = ext.lower()
    if ext in (".uasset", ".umap"):
        for prefix, kind in _UNREAL_PREFIXES:
            if stem.startswith(prefix):
                return kind
        return "map" if ext == ".umap" else "unreal_asset"
    return _EXTENSIONS.get(ext, "other")


ASSET_TYPES = tuple(
    sorted({kind for _, kind in _UNREAL_PREFIXES} | set(_EXTENSIONS.values()) | {"unreal_asset", "other"})
)
