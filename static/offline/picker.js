// The resident picker of the offline forms: a search over the snapshot's residents (nothing leaves
// the phone), single select (quick entry, need) or multi select with chips and a count (attendance).
// A resident's "search" text (S1) holds the name, its Traditional form, the pinyin initials and the
// full pinyin, lower case; the village is searched too, so "张" or "zs" or "红旗村" all find 张三.

import { fmt, gettext, h, uid } from "./fields.js";

export const MAX_SHOWN = 30;

export function matches(resident, query) {
  const haystack = `${resident.search || ""} ${String(resident.name || "").toLowerCase()} ${String(resident.village || "").toLowerCase()}`;
  return query.split(/\s+/).every((word) => haystack.includes(word));
}

// Residents whose search text or village contains every word of the query, at most `limit`.
export function search(residents, text, limit = MAX_SHOWN) {
  const query = String(text || "")
    .trim()
    .toLowerCase();
  if (!query) return { found: [], more: 0 };
  const found = [];
  let more = 0;
  for (const resident of residents) {
    if (!matches(resident, query)) continue;
    if (found.length < limit) found.push(resident);
    else more += 1;
  }
  return { found, more };
}

// "男 · 45岁 · 红旗村 · 证 3301… · 138****5678": enough to tell two namesakes apart, all masked.
export function describe(resident) {
  const parts = [];
  if (resident.gender) parts.push(resident.gender);
  if (resident.age !== null && resident.age !== undefined) parts.push(fmt(gettext("%(n)s岁"), { n: resident.age }));
  if (resident.village) parts.push(resident.village);
  const id = String(resident.id_masked || "").replace(/\*+$/, "");
  if (id) parts.push(fmt(gettext("证 %(id)s…"), { id }));
  if (resident.phone_masked) parts.push(resident.phone_masked);
  return parts.join(" · ");
}

// picker(residents, {label, multiple, selected: [ids], onChange(ids)})
// → {node, input, value() (id|null, or [ids]), set(ids), clear(), focus(), slot (for setError)}
export function picker(
  residents,
  { label, multiple = false, selected = [], onChange = () => {}, required = false } = {},
) {
  const byId = new Map(residents.map((r) => [r.id, r]));
  const chosen = selected.filter((id) => byId.has(id));
  const id = uid("picker");
  const listId = `${id}-list`;
  const input = h("input", {
    class: "form-control form-control-lg",
    type: "search",
    id,
    autocomplete: "off",
    enterkeyhint: "search",
    placeholder: gettext("姓名或拼音首字母"),
    "aria-controls": listId,
  });
  // Results are plain buttons: one tap picks (or, in a list, toggles) a resident.
  const results = h("div", {
    class: "list-group mt-1",
    id: listId,
    role: "group",
    "aria-label": fmt(gettext("%(l)s查找结果"), { l: label }),
  });
  const hint = h("div", { class: "form-text" });
  const chips = h("div", { class: "d-flex flex-wrap gap-2 mb-2", "aria-live": "polite" });
  const count = h("div", { class: "small fw-bold mb-1", "data-picked-count": "" });
  const single = h("div", { class: "card mb-2" });
  const error = h("div", { class: "invalid-feedback d-block", "data-error": "" });
  error.hidden = true;
  const head = [
    h("label", { class: "form-label", for: id }, label),
    required ? h("span", { class: "text-danger ms-1", "aria-hidden": "true" }, "*") : null,
  ];
  const node = h(
    "div",
    { class: "mb-3 xf-picker" },
    head,
    multiple ? [count, chips] : single,
    input,
    hint,
    results,
    error,
  );
  let active = -1;
  let shown = [];

  const changed = () => {
    paint();
    onChange(api.value());
  };

  const pick = (resident) => {
    if (multiple) {
      const at = chosen.indexOf(resident.id);
      if (at >= 0) chosen.splice(at, 1);
      else chosen.push(resident.id);
    } else {
      chosen.splice(0, chosen.length, resident.id);
      input.value = "";
    }
    error.hidden = true;
    changed();
    if (multiple) runSearch();
  };

  const paint = () => {
    if (multiple) {
      count.textContent = fmt(gettext("已选 %(n)s 人"), { n: chosen.length });
      chips.replaceChildren(
        ...chosen.map((rid) => {
          const resident = byId.get(rid);
          return h(
            "span",
            {
              class: "badge rounded-pill text-bg-danger fs-6 fw-normal d-inline-flex align-items-center gap-1",
              "data-chip": rid,
            },
            resident.name,
            h("button", {
              type: "button",
              class: "btn-close btn-close-white",
              style: "font-size: .6rem",
              "aria-label": fmt(gettext("移除 %(name)s"), { name: resident.name }),
              onclick: () => {
                chosen.splice(chosen.indexOf(rid), 1);
                changed();
                runSearch();
              },
            }),
          );
        }),
      );
    } else {
      const resident = byId.get(chosen[0]);
      single.hidden = !resident;
      input.hidden = Boolean(resident);
      if (resident) {
        input.setAttribute("aria-hidden", "true");
        results.replaceChildren();
        hint.textContent = "";
        single.replaceChildren(
          h(
            "div",
            { class: "card-body py-2 d-flex align-items-center gap-2" },
            h(
              "div",
              { class: "me-auto" },
              h("div", { class: "fw-bold", "data-picked": resident.id }, resident.name),
              h("div", { class: "small text-body-secondary" }, describe(resident)),
            ),
            h(
              "button",
              {
                type: "button",
                class: "btn btn-sm btn-outline-secondary text-nowrap",
                onclick: () => {
                  chosen.splice(0);
                  changed();
                  input.focus();
                },
              },
              gettext("换一位"),
            ),
          ),
        );
      } else input.removeAttribute("aria-hidden");
    }
  };

  const highlight = (index) => {
    active = index;
    [...results.children].forEach((row, i) => row.classList.toggle("active", i === index));
    if (index >= 0) results.children[index]?.scrollIntoView({ block: "nearest" });
  };

  const runSearch = () => {
    const { found, more } = search(residents, input.value);
    shown = found;
    active = -1;
    results.replaceChildren(
      ...found.map((resident) => {
        const picked = chosen.includes(resident.id);
        return h(
          "button",
          {
            type: "button",
            class: `list-group-item list-group-item-action d-flex align-items-center gap-2 py-2${picked ? " list-group-item-danger" : ""}`,
            "aria-pressed": multiple ? (picked ? "true" : "false") : undefined,
            "data-resident": resident.id,
            onclick: () => pick(resident),
          },
          multiple
            ? h("span", {
                class: `bi ${picked ? "bi-check-square-fill text-danger" : "bi-square"}`,
                "aria-hidden": "true",
              })
            : null,
          h(
            "span",
            { class: "me-auto" },
            h("span", { class: "fw-bold" }, resident.name),
            " ",
            h("span", { class: "small text-body-secondary" }, describe(resident)),
          ),
        );
      }),
    );
    const query = input.value.trim();
    if (!query) hint.textContent = multiple ? gettext("输入姓名、拼音首字母或村名查找，点选加入名单，可连续添加") : "";
    else if (!found.length)
      hint.textContent = gettext("本机没有找到这位居民（只保存了您工作范围内的居民；联网同步后可再找）");
    else if (more) hint.textContent = fmt(gettext("还有 %(n)s 人未显示，请输入更多字"), { n: more });
    else hint.textContent = "";
  };

  input.addEventListener("input", runSearch);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && shown.length) {
      event.preventDefault();
      highlight(Math.min(active + 1, shown.length - 1));
    } else if (event.key === "ArrowUp" && shown.length) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter") {
      // Enter never submits the form from here: it picks the highlighted (else the first) resident.
      event.preventDefault();
      const resident = shown[active] || shown[0];
      if (resident) {
        // In a list Enter only adds (typing a name already there must not take it out again).
        if (!multiple || !chosen.includes(resident.id)) pick(resident);
        if (multiple) {
          input.value = "";
          runSearch();
        }
      }
    } else if (event.key === "Escape") {
      input.value = "";
      runSearch();
    }
  });

  const api = {
    node,
    input,
    slot: { node, error },
    value: () => (multiple ? [...chosen] : (chosen[0] ?? null)),
    resident: () => byId.get(chosen[0]) || null,
    set(ids) {
      chosen.splice(0, chosen.length, ...(ids || []).filter((rid) => byId.has(rid)));
      paint();
    },
    clear() {
      chosen.splice(0);
      input.value = "";
      runSearch();
      paint();
    },
    focus: () => input.focus(),
  };
  paint();
  runSearch();
  return api;
}
