// tiendo: small enhancements over pages that work without script. Every text shown here comes
// from the page (data-* attributes written by the server in the reader's language).
"use strict";

(function () {
  // Filters apply as soon as a choice is made.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) select.form.submit();
    });
  });

  // On a narrow screen the months scroll sideways: bring the month in view into sight.
  document.querySelectorAll("nav.replay .months").forEach(function (months) {
    var current = months.querySelector("a[aria-current]");
    if (current && months.scrollWidth > months.clientWidth) {
      months.scrollLeft = current.offsetLeft - months.offsetLeft - months.clientWidth / 2 + current.offsetWidth / 2;
    }
  });

  // Replay: step through the months of the period, one every 1.5 seconds.
  document.querySelectorAll("nav.replay").forEach(function (nav) {
    var button = nav.querySelector("button.play");
    if (!button) return;
    button.hidden = false;
    var playing = location.hash === "#play";
    var months = nav.querySelectorAll(".months a");
    var timer = null;
    function show() {
      button.textContent = playing ? button.dataset.stop : button.dataset.play;
      button.setAttribute("aria-pressed", playing ? "true" : "false");
    }
    function step() {
      var next = nav.querySelector("a[rel=next]");
      if (next) {
        location.href = next.href + "#play";
      } else {
        playing = false;
        history.replaceState(null, "", location.pathname + location.search);
        show();
      }
    }
    button.addEventListener("click", function () {
      if (playing) {
        playing = false;
        clearTimeout(timer);
        history.replaceState(null, "", location.pathname + location.search);
        show();
      } else if (months.length) {
        location.href = months[0].href + "#play";
      }
    });
    show();
    if (playing) timer = setTimeout(step, 1500);
  });

  // The entry form: checks each field as it is left, saves without leaving the page, and
  // updates each indicator's status and the unit's counts in place.
  var form = document.querySelector("form#entry-form[data-live]");
  if (form) liveEntry(form);

  // Evidence uploads show their progress.
  document.querySelectorAll("form.evidence-form").forEach(uploadWithProgress);

  function liveEntry(form) {
    var msg = form.dataset;
    var today = msg.today || "";
    // Script checks each field with the page's own messages; without script the browser's
    // checks (such as no date after today) still apply.
    form.noValidate = true;

    function rowOf(el) {
      return el.closest("div.indicator");
    }
    // Marks the fields a problem is about: the date for a date problem, else the figure.
    function showError(row, text) {
      var p = row.querySelector("p.field-error");
      var aboutDate = text === msg.msgFuture || text === msg.msgDate;
      row.querySelectorAll("input[data-check], select").forEach(function (i) {
        var isDate = i.dataset.check === "date";
        if (text && isDate === aboutDate) {
          i.setAttribute("aria-invalid", "true");
        } else {
          i.removeAttribute("aria-invalid");
        }
      });
      p.textContent = text || "";
      p.hidden = !text;
    }
    function value(row, prefix) {
      var el = row.querySelector("[name^='" + prefix + ".']");
      return el ? el.value.trim() : "";
    }
    // The same rules as the server's, so most mistakes are caught before saving; the server
    // still checks everything.
    function check(row) {
      var measure = row.dataset.measure;
      var v = value(row, "v");
      var n = value(row, "n");
      var m = value(row, "m");
      var d = value(row, "d");
      var filled = v !== "" || n !== "" || m !== "";
      if (!filled) return "";
      if (measure === "ratio") {
        var whole = /^\d{1,3}([., ]\d{3})+$|^\d+$/;
        if ((n !== "" && !whole.test(n)) || (m !== "" && !whole.test(m))) return msg.msgWhole;
        if (n === "" || m === "") return msg.msgPair;
        var num = Number(n.replace(/[., ]/g, ""));
        var den = Number(m.replace(/[., ]/g, ""));
        if (den <= 0 || num > den) return msg.msgRatio;
      } else if (measure !== "yes_no") {
        var text = v.replace(/%$/, "").trim();
        if (!/^-?\d+([.,]\d{1,3})?$/.test(text)) return msg.msgNumber;
        var x = Number(text.replace(",", "."));
        if (measure === "percent" && (x < 0 || x > 100)) return msg.msgPercent;
        if (x < 0) return msg.msgNegative;
      }
      if (d === "") return msg.msgDate;
      if (today && d > today) return msg.msgFuture;
      return "";
    }
    form.addEventListener("change", function (ev) {
      var row = rowOf(ev.target);
      if (row) showError(row, check(row));
    });

    var status = document.getElementById("entry-status");
    var errors = document.getElementById("entry-errors");
    var saving = false;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (saving) return;
      var first = null;
      form.querySelectorAll("div.indicator").forEach(function (row) {
        var problem = check(row);
        showError(row, problem);
        if (problem && !first) first = row;
      });
      errors.textContent = "";
      if (first) {
        var field = first.querySelector("[aria-invalid=true]") || first.querySelector("input, select");
        if (field) field.focus();
        return;
      }
      saving = true;
      status.innerHTML = "";
      status.appendChild(flash("ok", msg.msgSaving));
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          var type = response.headers.get("content-type") || "";
          if (type.indexOf("application/json") >= 0) return response.json();
          // A refusal (signed out, no longer allowed) comes as a page: show what it says.
          return response.text().then(function (html) {
            throw { refusal: messageOf(html) };
          });
        })
        .then(function (answer) {
          status.innerHTML = "";
          if (answer.saved > 0) {
            status.appendChild(flash("ok", answer.message));
            answer.rows.forEach(updateRow);
            if (answer.counts) updateCounts(answer.counts);
            // What was saved is now the current figure: clear its fields, keep the dates.
            form.querySelectorAll("div.indicator").forEach(function (row) {
              row.querySelectorAll("[name^='v.'], [name^='n.'], [name^='m.'], [name^='p.'], [name^='note.']").forEach(function (el) {
                el.value = "";
              });
              showError(row, "");
            });
          } else {
            var box = flash("error", answer.message);
            var list = document.createElement("ul");
            answer.errors.forEach(function (e) {
              var li = document.createElement("li");
              li.textContent = e;
              list.appendChild(li);
            });
            var firstRow = null;
            Object.keys(answer.row_errors).forEach(function (code) {
              var row = document.getElementById("row-" + code);
              var li = document.createElement("li");
              var text = answer.row_errors[code];
              li.textContent = text.indexOf(code) === 0 ? text : code + ": " + text;
              list.appendChild(li);
              if (row) {
                showError(row, answer.row_errors[code]);
                if (!firstRow) firstRow = row;
              }
            });
            box.appendChild(list);
            errors.appendChild(box);
            if (firstRow) {
              var f = firstRow.querySelector("[aria-invalid=true]") || firstRow.querySelector("input, select");
              if (f) f.focus();
            }
          }
        })
        .catch(function (problem) {
          status.innerHTML = "";
          errors.textContent = "";
          // Only the server's own words, or the page's message; never a browser's.
          var text = (problem && problem.refusal) || msg.msgFailed;
          errors.appendChild(flash("error", text));
          errors.scrollIntoView({ block: "nearest" });
        })
        .then(function () {
          saving = false;
        });
    });

    function updateRow(r) {
      var row = document.getElementById("row-" + r.code);
      if (!row) return;
      row.dataset.status = r.status;
      var chip = row.querySelector(".current .chip");
      chip.className = "chip " + r.status;
      chip.querySelector(".icon").textContent = r.icon;
      chip.querySelector(".label").textContent = r.status_label;
      row.querySelector(".current .figure").textContent = r.current;
      row.querySelector(".current .reason").textContent = r.reason;
    }
    function updateCounts(counts) {
      Object.keys(counts).forEach(function (key) {
        var dd = document.querySelector("#unit-counts [data-count=" + key + "]");
        if (dd) dd.textContent = counts[key];
      });
    }
  }

  // The message of an error page the server answered with.
  function messageOf(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var message = page.querySelector("p.message");
    return message ? message.textContent : "";
  }

  function flash(kind, text) {
    var p = document.createElement("p");
    p.className = "flash " + kind;
    p.textContent = text;
    return p;
  }

  function uploadWithProgress(form) {
    var box = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var percent = form.querySelector(".upload-percent");
    var error = form.querySelector(".upload-error");
    var button = form.querySelector("button[type=submit]");
    var file = form.querySelector("input[type=file]");
    var limit = Number(form.dataset.maxBytes || 0);
    function fail(text) {
      error.textContent = text;
      error.hidden = false;
      box.hidden = true;
      button.disabled = false;
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (button.disabled) return;
      if (limit && file && file.files.length && file.files[0].size > limit) {
        fail(form.dataset.tooLarge);
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      error.hidden = true;
      box.hidden = false;
      bar.value = 0;
      button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var p = Math.round((e.loaded * 100) / e.total);
        bar.value = p;
        percent.textContent = form.dataset.uploading + " " + p + "%";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400) {
          location.href = xhr.responseURL || location.href;
          return;
        }
        fail(messageOf(xhr.responseText) || form.dataset.failed);
      });
      xhr.addEventListener("error", function () {
        fail(form.dataset.failed);
      });
      xhr.addEventListener("abort", function () {
        fail(form.dataset.failed);
      });
      xhr.addEventListener("timeout", function () {
        fail(form.dataset.failed);
      });
      xhr.timeout = 10 * 60 * 1000;
      xhr.send(new FormData(form));
    });
  }
})();
