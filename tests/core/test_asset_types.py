"""What kind of asset a depot path holds: Unreal naming prefixes first, then file extensions."""

from __future__ import annotations

import pytest

from ghee.core.asset_types import ASSET_TYPES, infer_asset_type
from ghee.db.tables import assets


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("//depot/Game/Content/Characters/Warrior/T_Warrior_D.uasset", "texture"),
        ("//depot/Game/Content/Props/SM_Rock.uasset", "static_mesh"),
        ("//depot/Game/Content/Characters/SK_Warrior.uasset", "skeletal_mesh"),
        ("//depot/Game/Content/Characters/SKEL_Warrior.uasset", "skeleton"),
        ("//depot/Game/Content/Materials/M_Stone.uasset", "material"),
        ("//depot/Game/Content/Materials/MI_Stone_Wet.uasset", "material_instance"),
        ("//depot/Game/Content/Materials/MF_Blend.uasset", "material_function"),
        ("//depot/Game/Content/Blueprints/BP_Door.uasset", "blueprint"),
        ("//depot/Game/Content/UI/WBP_Menu.uasset", "widget_blueprint"),
        ("//depot/Game/Content/Anim/ABP_Warrior.uasset", "animation_blueprint"),
        ("//depot/Game/Content/Sky/TC_Sky.uasset", "texture_cube"),
        ("//depot/Game/Content/Audio/SC_Hit.uasset", "sound_cue"),
        ("//depot/Game/Content/FX/NS_Sparks.uasset", "niagara_system"),
        ("//depot/Game/Content/Maps/Arena.umap", "map"),
        ("//depot/Game/Content/Maps/L_Arena.umap", "map"),
        ("//depot/Game/Content/Misc/Thing.uasset", "unreal_asset"),
        ("//depot/Art/Warrior.fbx", "model"),
        ("//depot/Art/Warrior.FBX", "model"),
        ("//depot/Audio/Hit.wav", "sound"),
        ("//depot/Art/T_Rock.png", "texture"),
        ("//depot/Art/SM_Rock.fbx", "model"),
        ("//depot/Game/Source/Game/Door.cpp", "code"),
        ("//depot/Game/Config/DefaultGame.ini", "config"),
        ("//depot/Game/Game.uproject", "config"),
        ("//depot/Unity/Assets/Scenes/Main.unity", "scene"),
        ("//depot/Godot/main.tscn", "scene"),
        ("//depot/Docs/v1.2/README", "other"),
        ("//depot/Docs/notes.unknownext", "other"),
    ],
)
def test_asset_type_is_inferred_from_the_path(path: str, kind: str) -> None:
    assert infer_asset_type(path) == kind


def test_unreal_prefixes_are_case_sensitive() -> None:
    assert infer_asset_type("//depot/Game/t_rock.uasset") == "unreal_asset"


def test_unreal_prefixes_only_apply_to_unreal_packages() -> None:
    assert infer_asset_type("//depot/Game/BP_Notes.txt") == "document"


def test_only_the_file_name_counts_not_the_folders() -> None:
    assert infer_asset_type("//depot/T_Textures/Rock.uasset") == "unreal_asset"
    assert infer_asset_type("//depot/Sounds.wav/readme.md") == "document"


def test_every_inferred_type_is_listed_and_fits_the_column() -> None:
    listed = set(ASSET_TYPES)
    assert len(listed) == len(ASSET_TYPES)
    assert list(ASSET_TYPES) == sorted(listed)
    assert {"texture", "static_mesh", "skeletal_mesh", "material", "blueprint", "model", "sound", "map"} <= listed
    width = assets.c.type.type.length
    assert width is not None
    assert max(len(kind) for kind in ASSET_TYPES) <= width
