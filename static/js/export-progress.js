/* Downloads of lists (导出) with a progress line: "正在导出 3,400 / 12,000 行 · 1.2 MB".
 *
 * Every link inside [data-export] is fetched here instead of by the browser: the body is read
 * as it streams (a CSV of a long list is written while the database is read), the rows counted
 * against X-Export-Rows (the server's count of the list) or the bytes against Content-Length
 * (an xlsx), and saved under the server's file name when complete. A refusal (400: too many
 * rows for a worksheet, a task queue, ...) is shown beside the links, not downloaded as a file.
 * Texts come from the links' container (data-text-*), so they are translated with the page.
 * Without fetch streams (very old browsers) the link works as a plain download; so does a very
 * long list (over BIG_ROWS rows or BIG_BYTES: the page would hold the whole file in memory,
 * the browser writes it to disk), and an answer that is not a file (an expired session's
 * login page) is opened as a page.
 */
(function () {
  "use strict";
  if (window.cityopsExports || !window.fetch || !window.ReadableStream) { return; }
  window.cityopsExports = true;
  var BIG_ROWS = 200000, BIG_BYTES = 200 * 1048576;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }
  function number(n) { return Number(n).toLocaleString(document.documentElement.lang || "zh-CN"); }
  function megabytes(bytes) { return (bytes / 1048576).toFixed(1); }
  function filename(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) { return decodeURIComponent(star[1]); }
    var plain = /filename="?([^";]+)"?/i.exec(header);
    return plain ? plain[1] : fallback;
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("[data-export] a[href]");
    if (!link || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) { return; }
    var box = link.closest("[data-export]");
    if (box.dataset.busy) { ev.preventDefault(); return; }
    ev.preventDefault();
    var status = box.querySelector(".export-status");
    if (!status) {
      status = document.createElement("span");
      status.className = "export-status";
      status.setAttribute("role", "status");
      box.appendChild(status);
    }
    var bar = document.createElement("progress");
    bar.max = 1; bar.value = 0;
    status.className = "export-status";
    status.textContent = box.dataset.textStarting || "…";
    box.dataset.busy = "1";
    var done = function () { delete box.dataset.busy; };
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (text) {
          status.className = "export-status export-error";
          status.textContent = text.slice(0, 300) || String(response.status);
          done();
        });
      }
      var total = Number(response.headers.get("X-Export-Rows") || 0);
      var length = Number(response.headers.get("Content-Length") || 0);
      var attachment = /attachment/i.test(response.headers.get("Content-Disposition") || "");
      if (response.redirected || !attachment || total > BIG_ROWS || length > BIG_BYTES) {
        response.body.cancel();
        status.textContent = "";
        done();
        window.location.href = link.href;  // the browser's own download (or the page it is)
        return;
      }
      var csv = (response.headers.get("Content-Type") || "").indexOf("text/csv") === 0;
      var reader = response.body.getReader();
      var chunks = [], bytes = 0, lines = 0;
      status.textContent = "";
      status.appendChild(bar);
      var label = document.createElement("span");
      status.appendChild(label);
      function show() {
        // Lines less the header; a description may hold line breaks, so never more than the list.
        var rows = Math.max(lines - 1, 0);
        if (total) { rows = Math.min(rows, total); }
        status.dataset.rows = String(rows); status.dataset.total = String(total);
        if (csv && total) { bar.value = Math.min(rows / total, 1); }
        else if (length) { bar.value = Math.min(bytes / length, 1); }
        else { bar.removeAttribute("value"); }  // indeterminate
        label.textContent = " " + fill(csv && total ? box.dataset.textRows : box.dataset.textBytes,
          { done: number(rows), total: number(total), mb: megabytes(bytes) });
      }
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) { return; }
          chunks.push(step.value);
          bytes += step.value.length;
          if (csv) { for (var i = 0; i < step.value.length; i++) { if (step.value[i] === 10) { lines += 1; } } }
          show();
          return pump();
        });
      }
      return pump().then(function () {
        var blob = new Blob(chunks, { type: response.headers.get("Content-Type") || "application/octet-stream" });
        var url = URL.createObjectURL(blob);
        var save = document.createElement("a");
        save.href = url;
        save.download = filename(response, link.dataset.format === "xlsx" ? "export.xlsx" : "export.csv");
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
        bar.value = 1;
        label.textContent = " " + fill(box.dataset.textDone, { mb: megabytes(bytes) });
        status.dataset.bytes = String(bytes);
        done();
      });
    }).catch(function () {
      status.className = "export-status export-error";
      status.textContent = box.dataset.textFailed || "!";
      done();
    });
  });
})();
