// ESLint flat config. The one project-specific rule: only src/juju and src/vault may start
// processes (DESIGN.md §2), so the rest of the charm cannot bypass the typed hook-tool and Vault layers.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const processModules = ["child_process", "node:child_process"];

export default tseslint.config(
  { ignores: ["dist/", "build/", "node_modules/", ".sim/", "coverage/", "examples/*/dist/", "tests/etcd/provider-charm/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts", "examples/**/*.ts"],
    ignores: ["src/juju/**", "src/vault/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: processModules.map((name) => ({
            name,
            message: "Only src/juju (hook tools) and src/vault (Vault service) may spawn processes.",
          })),
        },
      ],
    },
  },
);
