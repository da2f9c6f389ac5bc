/* Client side of the static site: listing filters/sorting and certificate verification.
   Every value taken from data is inserted with textContent, never as HTML. */
(function () {
  "use strict";

  function listing(table) {
    var box = document.querySelector('.filters[data-for="' + table.id + '"]');
    if (!box) return;
    var grade = box.querySelector("select[name=grade]");
    var round = box.querySelector("select[name=round]");
    var text = box.querySelector("input[name=q]");
    var count = box.querySelector(".count");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    function apply() {
      var shown = 0;
      rows.forEach(function (r) {
        var ok = (!grade || !grade.value || r.dataset.grade === grade.value) &&
                 (!round || !round.value || r.dataset.round === round.value) &&
                 (!text || !text.value || r.dataset.name.indexOf(text.value.trim()) >= 0 || r.dataset.code.indexOf(text.value.trim().toUpperCase()) >= 0);
        r.hidden = !ok;
        if (ok) shown++;
      });
      if (count) count.textContent = "显示 " + shown + " / " + rows.length + " 家";
    }
    [grade, round].forEach(function (s) { if (s) s.addEventListener("change", apply); });
    if (text) text.addEventListener("input", apply);
    box.querySelectorAll("button[data-sort]").forEach(function (b) {
      b.addEventListener("click", function () {
        var key = b.dataset.sort, desc = b.dataset.dir !== "asc";
        b.dataset.dir = desc ? "asc" : "desc";
        rows.sort(function (x, y) {
          var a = x.dataset[key], c = y.dataset[key];
          if (key === "score") { a = parseFloat(a || "-1"); c = parseFloat(c || "-1"); return desc ? c - a : a - c; }
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
    "已换发": "因复审、降级或变更已换发新证书，请以新证书为准。"
  };

  function cell(tr, value) {
    var td = document.createElement("td");
    td.textContent = value == null ? "" : String(value);
    tr.appendChild(td);
    return td;
  }

  function verify(box) {
    var form = box.querySelector("form");
    var input = form.querySelector("input[name=n]");
    var out = box.querySelector(".verify-result");
    var data = null;
    function show(q) {
      out.textContent = "";
      q = (q || "").trim();
      if (!q) return;
      var up = q.toUpperCase();
      var hits = data.filter(function (c) {
        return c.number.toUpperCase() === up || c.credit_code === up || (q.length >= 2 && c.org_name.indexOf(q) >= 0);
      });
      var head = document.createElement("p");
      out.appendChild(head);
      if (!hits.length) {
        head.textContent = "未查到与“" + q + "”相符的证书或备案。请核对证书编号、统一社会信用代码或机构名称。";
        head.className = "verify-none";
        return;
      }
      head.textContent = "查到 " + hits.length + " 条记录：";
      var table = document.createElement("table");
      var hr = document.createElement("tr");
      ["证书/备案编号", "机构名称", "统一社会信用代码", "等级", "发证日期", "有效期至", "状态", "说明"].forEach(function (h) {
        var th = document.createElement("th"); th.textContent = h; hr.appendChild(th);
      });
      table.appendChild(hr);
      hits.forEach(function (c) {
        var tr = document.createElement("tr");
        tr.dataset.number = c.number;
        cell(tr, c.number); cell(tr, c.org_name); cell(tr, c.credit_code); cell(tr, c.grade);
        cell(tr, c.issued); cell(tr, c.expires || "—");
        var st = cell(tr, c.status); st.className = "status status-" + c.status;
        cell(tr, (EXPLAIN[c.status] || "") + (c.replaced_by ? "（新证书：" + c.replaced_by + "）" : ""));
        table.appendChild(tr);
      });
      out.appendChild(table);
    }
    fetch(box.dataset.src).then(function (r) { return r.json(); }).then(function (json) {
      data = json;
      var n = new URLSearchParams(window.location.search).get("n");
      if (n) { input.value = n; show(n); }
      form.addEventListener("submit", function (e) { e.preventDefault(); show(input.value); });
      box.dataset.ready = "1";
    });
  }

  document.querySelectorAll("table[data-listing]").forEach(listing);
  document.querySelectorAll(".verify").forEach(verify);
})();
