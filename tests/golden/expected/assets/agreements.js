// Filters for the agreements index. Without this script the page is the complete list;
// with it, the form appears and each choice hides the agreements that do not match and
// is written into the address (?status=in-force&year=2023), so a filtered view can be shared.
(function () {
  "use strict";
  var form = document.getElementById("agreement-filters");
  var list = document.getElementById("agreement-list");
  var count = document.getElementById("agreement-count");
  var none = document.getElementById("agreement-none");
  if (!form || !list || !count || !none || !window.URLSearchParams || !window.history) {
    return;
  }
  var items = Array.prototype.slice.call(list.children);
  var selects = Array.prototype.slice.call(form.querySelectorAll("select"));

  function noun(n) {
    return n === 1 ? " agreement" : " agreements";
  }

  function matches(item, name, value) {
    // Partners and areas are lists of slugs separated by spaces; the others are one value.
    var have = (item.getAttribute("data-" + name) || "").split(" ");
    return have.indexOf(value) !== -1;
  }

  function apply() {
    var shown = 0;
    items.forEach(function (item) {
      var ok = selects.every(function (select) {
        return !select.value || matches(item, select.name, select.value);
      });
      item.hidden = !ok;
      if (ok) {
        shown += 1;
      }
    });
    var active = selects.some(function (select) {
      return select.value;
    });
    count.textContent = active
      ? "Showing " + shown + " of " + items.length + noun(items.length) + "."
      : items.length + noun(items.length) + ".";
    none.hidden = shown !== 0;
  }

  function writeAddress() {
    var params = new URLSearchParams(window.location.search);
    selects.forEach(function (select) {
      if (select.value) {
        params.set(select.name, select.value);
      } else {
        params.delete(select.name);
      }
    });
    var query = params.toString();
    var address = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(null, "", address);
  }

  function readAddress() {
    var params = new URLSearchParams(window.location.search);
    selects.forEach(function (select) {
      var wanted = params.get(select.name) || "";
      var known = Array.prototype.some.call(select.options, function (option) {
        return option.value === wanted;
      });
      select.value = known ? wanted : "";
    });
  }

  form.addEventListener("change", function () {
    apply();
    writeAddress();
  });
  form.addEventListener("reset", function () {
    // The reset event fires before the fields are cleared.
    window.setTimeout(function () {
      apply();
      writeAddress();
    }, 0);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  window.addEventListener("popstate", function () {
    readAddress();
    apply();
  });

  readAddress();
  form.hidden = false;
  apply();
})();
