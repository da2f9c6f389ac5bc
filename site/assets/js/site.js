/* Client side of the static site: listing filters/sorting and certificate verification.
   Every value taken from data is inserted with textContent, never as HTML. */
(function () {
  "use strict";

  function listing(table) {
    var box = document.querySelector('.filters[data-for="' + table.id + '"]');
    if (!box) return;
    var pick = function (n) { return box.querySelector("select[name=" + n + "]"); };
    var grade = pick("grade"), round = pick("round"), province = pick("province"), city = pick("city");
    var text = box.querySelector("input[name=q]");
    var count = box.querySelector(".count");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var cities = city ? Array.prototype.slice.call(city.options).slice(1) : [];
    function same(sel, value) { return !sel || !sel.value || value === sel.value; }
    function apply() {
      var shown = 0, q = norm(text ? text.value : "");
      if (city && province) {  // only the cities of the chosen province
        var inProvince = {};
        rows.forEach(function (r) { if (!province.value || r.dataset.province === province.value) inProvince[r.dataset.city] = 1; });
        cities.forEach(function (o) { o.hidden = !inProvince[o.value]; });
        if (city.value && !inProvince[city.value]) city.value = "";
      }
      rows.forEach(function (r) {
        var ok = same(grade, r.dataset.grade) && same(round, r.dataset.round) && same(province, r.dataset.province) &&
                 same(city, r.dataset.city) &&
                 (!q || norm(r.dataset.name).indexOf(q) >= 0 || r.dataset.code.indexOf(q.toUpperCase()) >= 0);
        r.hidden = !ok;
        if (ok) shown++;
      });
      if (count) count.textContent = "显示 " + shown + " / " + rows.length + " 家";
    }
    [grade, round, province, city].forEach(function (s) { if (s) s.addEventListener("change", apply); });
    if (text) text.addEventListener("input", apply);
    box.querySelectorAll("button[data-sort]").forEach(function (b) {
      b.addEventListener("click", function () {
        var key = b.dataset.sort, desc = b.dataset.dir !== "asc";
        b.dataset.dir = desc ? "asc" : "desc";
        rows.sort(function (x, y) {
          var a = x.dataset[key], c = y.dataset[key];
          if (key === "score") { a = parseFloat(a || "-1"); c = parseFloat(c || "-1"); return desc ? c - a : a - c; }
          if (key === "rank") { a = parseInt(a, 10); c = parseInt(c, 10); return desc ? a - c : c - a; }  // best first
          return desc ? c.localeCompare(a, "zh-CN") : a.localeCompare(c, "zh-CN");
        });
        rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
      });
    });
    apply();
  }

  var EXPLAIN = {
    "有效": "证书在有效期内，可作为能力证明出示。",
    "已过期": "证书有效期已满且未换发新证书；期满后未再申请评估的，视为无评估等级。",
    "已撤销": "评估等级或备案已被取消，证书不再有效。",
    "已注销": "证书或备案已注销，不再有效。",
    "已换发": "因复审、降级或变更已换发新证书，请以新证书为准。",
    "已作废": "降级或撤销后未在规定期限内退回，已公告作废。"
  };
  var RANK = { "有效": 0, "已换发": 1, "已过期": 2, "已注销": 3, "已撤销": 4, "已作废": 5 };

  // What a person pastes: full-width letters and digits, zero-width characters, spaces, any case.
  function norm(s) {
    return (s || "").normalize("NFKC").replace(/[\s\u200b-\u200d\u2060\ufeff]/g, "");
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function since(c) {
    if (c.status === "有效") return c.expires ? "有效期至 " + c.expires : "长期有效（备案）";
    var out = c.status_since ? "自 " + c.status_since + " 起" : "";
    if (c.document_no) out += "（" + c.document_no + "）";
    if (c.replaced_by) out += (out ? "，" : "") + "新证书 " + c.replaced_by;
    return out;
  }

  function card(c, pages) {
    var box = el("article", null, "verify-card");
    box.dataset.number = c.number;
    box.dataset.status = c.status;
    box.appendChild(el("p", c.status, "verify-status status-" + c.status));
    box.appendChild(el("p", since(c), "verify-since"));
    box.appendChild(el("p", EXPLAIN[c.status] || "", "verify-why"));
    var dl = el("dl", null, "verify-facts");
    [["证书/备案编号", c.number], ["机构名称", c.org_name], ["统一社会信用代码", c.credit_code],
     ["等级/结果", c.grade], ["发证日期", c.issued], ["有效期至", c.expires || "—"]].forEach(function (kv) {
      dl.appendChild(el("dt", kv[0]));
      var dd = el("dd");
      if (kv[0] === "证书/备案编号" && /^[A-Za-z0-9-]+$/.test(c.number)) {
        var a = el("a", c.number); a.href = pages + encodeURIComponent(c.number) + "/"; dd.appendChild(a);
      } else { dd.textContent = kv[1] == null ? "" : String(kv[1]); }
      dl.appendChild(dd);
    });
    box.appendChild(dl);
    return box;
  }

  function finder(data) {
    return function (raw) {
      var q = norm(raw), up = q.toUpperCase();
      if (!q) return [];
      return data.filter(function (c) {
        return c.number.toUpperCase() === up || c.credit_code === up || (q.length >= 2 && norm(c.org_name).indexOf(q) >= 0);
      }).sort(function (a, b) { return (RANK[a.status] - RANK[b.status]) || (a.issued < b.issued ? 1 : -1); });
    };
  }

  function csvCell(v) {
    v = v == null ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(v)) v = "'" + v;   // a spreadsheet would run it as a formula
    return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }

  function verify(box) {
    var form = box.querySelector(".verify-form");
    var input = form.querySelector("input[name=n]");
    var out = box.querySelector(".verify-result");
    var bulkForm = box.querySelector(".bulk-form");
    var bulkOut = box.querySelector(".bulk-result");
    var pages = box.dataset.pages || "../certificates/";
    var find = null;
    function show(q) {
      out.textContent = "";
      if (!norm(q)) return;
      var hits = find(q);
      if (!hits.length) {
        out.appendChild(el("p", "未查到与“" + q.trim() + "”相符的证书或备案。请核对证书编号、统一社会信用代码或机构名称。", "verify-none"));
        return;
      }
      out.appendChild(el("p", "查到 " + hits.length + " 条记录：", "verify-count"));
      hits.forEach(function (c) { out.appendChild(card(c, pages)); });
    }
    function bulk(text) {
      bulkOut.textContent = "";
      var items = text.split(/[\n,，;；]+/).map(function (s) { return s.trim(); }).filter(function (s) { return norm(s); });
      if (!items.length) return;
      var cut = items.length > 500;
      items = items.slice(0, 500);
      var head = ["输入", "证书/备案编号", "机构名称", "统一社会信用代码", "等级/结果", "状态", "状态说明", "有效期至"];
      var rows = items.map(function (q) {
        var up = norm(q).toUpperCase();
        var hit = find(q).filter(function (c) { return c.number.toUpperCase() === up || c.credit_code === up; })[0];
        return hit ? [q, hit.number, hit.org_name, hit.credit_code, hit.grade, hit.status, since(hit), hit.expires || ""]
                   : [q, "", "", "", "", "未查到", "", ""];
      });
      var found = rows.filter(function (r) { return r[5] !== "未查到"; }).length;
      bulkOut.appendChild(el("p", "共 " + rows.length + " 条，查到 " + found + " 条" + (cut ? "（超过 500 条的部分未核验）" : "") + "。", "bulk-count"));
      var wrap = el("div", null, "table-scroll");
      var table = el("table", null, "bulk-table");
      var tr = el("tr");
      head.forEach(function (h) { tr.appendChild(el("th", h)); });
      table.appendChild(tr);
      rows.forEach(function (r) {
        var row = el("tr");
        r.forEach(function (v, i) { row.appendChild(el("td", v, i === 5 ? "status status-" + v : null)); });
        table.appendChild(row);
      });
      wrap.appendChild(table);
      bulkOut.appendChild(wrap);
      var csv = "\ufeff" + [head].concat(rows).map(function (r) { return r.map(csvCell).join(","); }).join("\r\n") + "\r\n";
      var link = el("a", "下载核验结果（CSV）", "bulk-csv");
      link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
      link.download = "证书核验结果.csv";
      bulkOut.appendChild(link);
    }
    Promise.all([fetch(box.dataset.src).then(function (r) { return r.json(); }),
                 fetch(box.dataset.status).then(function (r) { return r.ok ? r.json() : []; })]).then(function (both) {
      var extra = {};
      both[1].forEach(function (s) { extra[s.number] = s; });
      var data = both[0].map(function (c) {
        var s = extra[c.number] || {};
        return Object.assign({}, c, { status_since: s.status_since || "", document_no: s.document_no || "" });
      });
      find = finder(data);
      var n = new URLSearchParams(window.location.search).get("n");
      if (n) { input.value = n; show(n); }
      form.addEventListener("submit", function (e) { e.preventDefault(); show(input.value); });
      if (bulkForm) bulkForm.addEventListener("submit", function (e) { e.preventDefault(); bulk(bulkForm.querySelector("textarea").value); });
      box.dataset.ready = "1";
    });
  }

  // the page's address and the print date at the foot of every printed page
  function printFooter() {
    var f = document.querySelector(".print-footer");
    if (!f) { f = el("div", null, "print-footer"); document.body.appendChild(f); }
    var d = new Date();
    var day = d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
    f.textContent = window.location.href + "　打印日期：" + day;
  }
  printFooter();
  window.addEventListener("beforeprint", printFooter);

  // Search results: the index separates Chinese words with U+200B; a title copied from a result
  // must paste into the verify box or a filter as the name itself
  var results = document.querySelector(".md-search-result");
  if (results && window.MutationObserver) {
    new MutationObserver(function () {
      var walk = document.createTreeWalker(results, NodeFilter.SHOW_TEXT), node;
      while ((node = walk.nextNode())) {
        if (/[\u200b\u200c\u200d]/.test(node.nodeValue)) node.nodeValue = node.nodeValue.replace(/[\u200b\u200c\u200d]/g, "");
      }
    }).observe(results, { childList: true, subtree: true });
  }

  // Accessibility: a table that scrolls sideways in its box must be reachable by keyboard, and
  // the search dialog needs a name (Material wraps tables and builds the dialog itself)
  function label() {
    document.querySelectorAll(".md-typeset__scrollwrap, .table-scroll").forEach(function (box, i) {
      if (!box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "表格 " + (i + 1) + "（可左右滚动）");
      }
    });
    document.querySelectorAll("[role=dialog]:not([aria-label])").forEach(function (d) { d.setAttribute("aria-label", "站内搜索"); });
  }
  label();
  if (window.MutationObserver) new MutationObserver(label).observe(document.body, { childList: true, subtree: true });

  // The search page: Pagefind's index, fetched in chunks as the words need them. The index is made
  // of bundles (the hub pages', and one per thousand organisations, so that a night re-indexes only
  // what changed), merged here. Results show the page title and our own one-line summary (an
  // organisation page's text is mostly its name's fragments).
  function searchPage(box) {
    var form = document.querySelector(".search-form");
    var input = form.querySelector("input[name=q]");
    var engine = null;
    function load() {
      if (!engine) engine = import(new URL(box.dataset.pagefind, document.baseURI).href).then(function (pf) {
        var list = new URL(box.dataset.bundles, document.baseURI);
        return pf.init()
          .then(function () { return fetch(list.href); })
          .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
          .then(function (names) { return Promise.all(names.map(function (n) { return pf.mergeIndex(new URL(n, list).href); })); })
          .then(function () { return pf; });
      });
      return engine;
    }
    function run(q) {
      q = (q || "").normalize("NFKC").replace(/[\u200b-\u200d\u2060\ufeff]/g, "").trim();
      box.textContent = "";
      if (!q) return;
      var url = new URL(window.location.href);
      url.searchParams.set("q", q);
      window.history.replaceState(null, "", url);
      load().then(function (pf) { return pf.search(q); }).then(function (found) {
        if (!found.results.length) {
          box.appendChild(el("p", "没有找到与“" + q + "”相关的页面。", "search-none"));
          box.dataset.done = "1";
          return;
        }
        box.appendChild(el("p", "找到 " + found.results.length + " 个页面" + (found.results.length > 20 ? "，显示前 20 个" : "") + "：", "search-count"));
        var list = el("ol", null, "search-list");
        box.appendChild(list);
        return Promise.all(found.results.slice(0, 20).map(function (r) { return r.data(); })).then(function (pages) {
          pages.forEach(function (d) {
            var li = el("li", null, "search-hit");
            var a = el("a", (d.meta && d.meta.title) || d.url);
            a.href = d.url;
            li.appendChild(a);
            var text = (d.meta && d.meta.summary) || d.excerpt.replace(/<[^>]*>/g, "");
            li.appendChild(el("p", text, "search-summary"));
            list.appendChild(li);
          });
          box.dataset.done = "1";
        });
      }).catch(function () {
        box.appendChild(el("p", "搜索暂不可用。", "search-none"));
      });
    }
    form.addEventListener("submit", function (e) { e.preventDefault(); run(input.value); });
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) { input.value = q; run(q); }
    box.dataset.ready = "1";
  }
  document.querySelectorAll(".search-results[data-pagefind]").forEach(searchPage);

  document.querySelectorAll("table[data-listing]").forEach(listing);
  document.querySelectorAll(".verify").forEach(verify);
})();
