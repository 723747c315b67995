// 清单 (#/): the follow-ups the user is responsible for, as the server computed them at the last
// sync (snapshot.worklist), grouped 逾期 / 本期到期 / 即将到期, each with its 随访 button. A visit
// recorded offline is not yet counted by the server, so its item says 已登记，待同步 until a sync
// brings the recomputed next due date back.

import { fmt, gettext, h } from "../fields.js";

const SEARCH_FROM = 10; // more items than this get a search box

function groups() {
  return [
    { state: "overdue", title: gettext("逾期"), tone: "danger" },
    { state: "due", title: gettext("本期到期"), tone: "warning" },
    { state: "upcoming", title: gettext("即将到期"), tone: "secondary" },
  ];
}

async function waitingVisits(ctx) {
  const waiting = new Set();
  try {
    for (const entry of (await ctx.outbox()) || []) {
      if (entry.kind === "visit" && entry.payload && entry.payload.enrollment_id)
        waiting.add(Number(entry.payload.enrollment_id));
    }
  } catch (error) {
    console.warn("outbox unreadable", error); // the list still shows; only the badge is missing
  }
  return waiting;
}

function item(entry, waiting, canVisit) {
  const due = entry.next_due_on ? fmt(gettext("应随访 %(d)s"), { d: entry.next_due_on }) : gettext("未排期");
  const last = entry.last_visit_on ? fmt(gettext("上次 %(d)s"), { d: entry.last_visit_on }) : gettext("尚无随访");
  return h(
    "li",
    { class: "list-group-item d-flex align-items-center gap-2 py-2", "data-enrollment": entry.enrollment_id },
    h(
      "div",
      { class: "me-auto" },
      h("div", { class: "fw-bold" }, entry.subject),
      h("div", { class: "small text-body-secondary" }, entry.program_name || entry.program),
      h("div", { class: `small${entry.state === "overdue" ? " text-danger" : ""}` }, due, " · ", last),
      waiting ? h("span", { class: "badge text-bg-info mt-1", "data-waiting": "" }, gettext("已登记，待同步")) : null,
    ),
    canVisit
      ? h(
          "a",
          {
            class: "btn btn-danger text-nowrap",
            href: `#/visit?enrollment=${encodeURIComponent(entry.enrollment_id)}`,
          },
          gettext("随访"),
        )
      : null,
  );
}

export async function render(root, ctx) {
  const list = (ctx.data && ctx.data.worklist) || [];
  const canVisit = Boolean(ctx.data.can && ctx.data.can.visit);
  const waiting = await waitingVisits(ctx);
  root.append(h("h1", { class: "h5 mb-3" }, gettext("我的随访清单")));
  if (!list.length) {
    root.append(
      h(
        "div",
        { class: "text-center text-body-secondary border rounded p-4", "data-empty": "" },
        h("i", { class: "bi bi-check2-circle fs-1 d-block mb-2", "aria-hidden": "true" }),
        h("p", { class: "mb-1" }, gettext("清单里没有待随访的对象。")),
        h(
          "p",
          { class: "small mb-0" },
          gettext("您负责的随访会在联网同步后出现在这里；其他服务可以用“登记”“签到”直接记录。"),
        ),
      ),
    );
    return;
  }
  const body = h("div");
  const paint = (query) => {
    const words = query.trim().toLowerCase();
    const shown = words
      ? list.filter((e) => `${e.subject} ${e.program_name || ""}`.toLowerCase().includes(words))
      : list;
    body.replaceChildren();
    for (const g of groups()) {
      const items = shown.filter((e) => e.state === g.state);
      if (!items.length) continue;
      body.append(
        h(
          "section",
          { class: "mb-3", "data-state": g.state },
          h(
            "h2",
            { class: `h6 text-${g.tone === "secondary" ? "body-secondary" : g.tone}` },
            g.title,
            " ",
            h("span", { class: `badge text-bg-${g.tone}` }, items.length),
          ),
          h(
            "ul",
            { class: `list-group border-start border-3 border-${g.tone}` },
            items.map((e) => item(e, waiting.has(Number(e.enrollment_id)), canVisit)),
          ),
        ),
      );
    }
    if (!body.children.length) body.append(h("p", { class: "text-body-secondary" }, gettext("没有符合的对象")));
  };
  if (list.length > SEARCH_FROM) {
    const input = h("input", {
      class: "form-control mb-3",
      type: "search",
      placeholder: gettext("按姓名或项目筛选"),
      "aria-label": gettext("筛选清单"),
      oninput: (event) => paint(event.target.value),
    });
    root.append(input);
  }
  root.append(body);
  paint("");
}
