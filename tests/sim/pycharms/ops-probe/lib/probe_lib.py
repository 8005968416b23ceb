"""A charm library shipped in lib/, as charmcraft packs them: present only if the whole tree is deployed."""


def greeting_for(unit_name: str, greeting: str) -> str:
    return f"{greeting} from {unit_name}"
