/* The search page: instant results, facets with counts and sorting over Pagefind's
 * JavaScript API (the bundle in pagefind/, built with the site; nothing from elsewhere).
 *
 * The query, the filters and the sort live in the URL (?q=...&status=...&sort=newest),
 * so a search can be shared, reloaded, and the back button steps through it. Typing
 * replaces the current history entry; choosing a filter or a sort, or pressing Enter,
 * adds one.
 *
 * Facets are disjunctive: values of one facet are combined with OR, facets with AND, and
 * the count next to a value is the number of results that choosing it would show. They
 * sit in a closed <details> until the reader opens it (or the URL holds a filter): the
 * counts need Pagefind's filter index, which on a large register weighs more than the
 * rest of a query together, so a reader who only types a query never downloads it.
 */
(function () {
  "use strict";

  var root = document.getElementById("search");
  if (!root || !window.history || !window.URLSearchParams) {
    return;
  }

  var PAGE_SIZE = 10;
  var FACET_LIMIT = 8;
  var SORTS = { newest: ["date", "desc"] };

  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var sortSelect = document.getElementById("search-sort");
  var statusLine = document.getElementById("search-status");
  var list = document.getElementById("search-list");
  var more = document.getElementById("search-more");
  var clear = document.getElementById("search-clear");
  var panel = document.getElementById("search-filters-panel");
  var chosen = document.getElementById("search-chosen");
  var counting = document.getElementById("search-filters-loading");
  var fieldsets = Array.prototype.slice.call(root.querySelectorAll("fieldset[data-facet]"));
  var facets = fieldsets.map(function (f) { return f.getAttribute("data-facet"); });

  var pagefindPromise = null;
  var generation = 0;     // bumped by every search; stale answers are dropped
  var current = null;     // the results on show
  var shown = 0;          // how many of them are in the list
  var expanded = {};      // facet -> true when all its values are shown
  var typingTimer = 0;
  var counted = 0;        // the generation whose counts the facets show

  root.hidden = false;

  // -- state <-> URL ---------------------------------------------------------------

  function readState() {
    var params = new URLSearchParams(window.location.search);
    var filters = {};
    facets.forEach(function (key) {
      var values = params.getAll(key).filter(function (v) { return v !== ""; });
      if (values.length) {
        filters[key] = values;
      }
    });
    var sort = params.get("sort") || "";
    return {
      q: params.get("q") || "",
      filters: filters,
      sort: Object.prototype.hasOwnProperty.call(SORTS, sort) ? sort : ""
    };
  }

  function stateUrl(s) {
    var params = new URLSearchParams();
    if (s.q.trim()) {
      params.set("q", s.q.trim());
    }
    facets.forEach(function (key) {
      (s.filters[key] || []).forEach(function (v) { params.append(key, v); });
    });
    if (s.sort) {
      params.set("sort", s.sort);
    }
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  var state = readState();

  function commit(push) {
    var url = stateUrl(state);
    if (url !== window.location.pathname + window.location.search) {
      window.history[push ? "pushState" : "replaceState"](null, "", url);
    }
  }

  function syncControls() {
    input.value = state.q;
    sortSelect.value = state.sort;
    if (hasFilters(state.filters)) {
      panel.open = true;
    }
    var n = 0;
    Object.keys(state.filters).forEach(function (k) { n += state.filters[k].length; });
    chosen.textContent = n ? "(" + n + " chosen)" : "";
  }

  function hasFilters(filters) {
    return Object.keys(filters).some(function (k) { return filters[k].length > 0; });
  }

  // -- Pagefind --------------------------------------------------------------------

  function pagefind() {
    if (!pagefindPromise) {
      pagefindPromise = import(root.getAttribute("data-bundle") + "pagefind.js").then(
        function (pf) {
          // Searching on the main thread spares readers the worker script download.
          return pf.options({ noWorker: true, excerptLength: 28 }).then(function () {
            return pf;
          });
        }
      );
    }
    return pagefindPromise;
  }

  function pagefindFilters(filters, except) {
    var out = {};
    Object.keys(filters).forEach(function (key) {
      if (key !== except && filters[key].length) {
        out[key] = { any: filters[key].slice() };
      }
    });
    return out;
  }

  function searchOptions(filters) {
    var options = { filters: filters };
    if (state.sort) {
      options.sort = {};
      options.sort[SORTS[state.sort][0]] = SORTS[state.sort][1];
    }
    return options;
  }

  // The counts for each facet: for a facet with chosen values, as if none of them
  // were chosen (so that its other values keep their counts: OR within a facet).
  function facetCounts(pf, term, main) {
    var jobs = facets.map(function (key) {
      if (!(state.filters[key] || []).length) {
        return Promise.resolve(main.filters[key] || {});
      }
      var others = pagefindFilters(state.filters, key);
      if (!term && !Object.keys(others).length) {
        return pf.filters().then(function (all) { return all[key] || {}; });
      }
      return pf.search(term, { filters: others }).then(function (r) {
        return (r && r.filters[key]) || {};
      });
    });
    return Promise.all(jobs).then(function (counts) {
      var byFacet = {};
      facets.forEach(function (key, i) { byFacet[key] = counts[i]; });
      return byFacet;
    });
  }

  // -- rendering -------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function describeQuery() {
    var parts = [];
    if (state.q.trim()) {
      parts.push("for “" + state.q.trim() + "”");
    }
    if (hasFilters(state.filters)) {
      parts.push("with the filters chosen");
    }
    var text = parts.join(" ");
    if (state.sort === "newest") {
      text += ", newest first";
    }
    return text;
  }

  // Pagefind's excerpt is text with < and > escaped and the matches in <mark>: rebuild
  // it as DOM nodes rather than trusting it as HTML.
  function excerptNode(excerpt) {
    var p = el("p", "search-result-excerpt");
    var inMark = false;
    excerpt.split(/(<\/?mark>)/).forEach(function (part) {
      if (part === "<mark>") {
        inMark = true;
      } else if (part === "</mark>") {
        inMark = false;
      } else if (part) {
        var text = part.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
        p.appendChild(inMark ? el("mark", "", text) : document.createTextNode(text));
      }
    });
    return p;
  }

  function resultNode(data) {
    var meta = data.meta || {};
    var item = el("li", "search-result");
    var heading = el("h3", "search-result-title");
    var link = el("a", "", meta.title || data.url);
    link.href = data.url;
    heading.appendChild(link);
    item.appendChild(heading);

    var facts = el("p", "search-result-meta");
    [meta.type, meta.kind].forEach(function (value) {
      if (value) {
        facts.appendChild(el("span", "", value));
      }
    });
    if (meta.status) {
      var status = el("span", "search-result-status", "Status: ");
      var slug = meta.status.toLowerCase().replace(/[^a-z]+/g, "-");
      status.appendChild(el("span", "badge badge-" + slug, meta.status));
      facts.appendChild(status);
    }
    if (meta.date) {
      facts.appendChild(el("span", "", meta.date));
    }
    item.appendChild(facts);
    if (meta.partners) {
      item.appendChild(el("p", "search-result-partners", "Partners: " + meta.partners));
    }
    if (meta.aliases) {
      item.appendChild(el("p", "search-result-partners", "Also known as: " + meta.aliases));
    }
    if (data.excerpt) {
      item.appendChild(excerptNode(data.excerpt));
    }
    return item;
  }

  function sortedEntries(key, counts) {
    var chosen = state.filters[key] || [];
    var entries = Object.keys(counts)
      .filter(function (v) { return counts[v] > 0 || chosen.indexOf(v) >= 0; })
      .map(function (v) { return [v, counts[v]]; });
    chosen.forEach(function (v) {
      if (!Object.prototype.hasOwnProperty.call(counts, v)) {
        entries.push([v, 0]);
      }
    });
    entries.sort(function (a, b) {
      if (key === "year") {
        return b[0].localeCompare(a[0]);
      }
      return b[1] - a[1] || a[0].localeCompare(b[0]);
    });
    return entries;
  }

  function renderFacet(fieldset, key, counts) {
    var chosen = state.filters[key] || [];
    var entries = sortedEntries(key, counts);
    var ul = fieldset.querySelector("ul");
    var focused = document.activeElement;
    var refocus = null;
    if (focused && fieldset.contains(focused)) {
      refocus = focused.type === "checkbox" ? "v:" + focused.value : "toggle";
    }
    ul.textContent = "";
    var old = fieldset.querySelector(".search-facet-toggle");
    if (old) {
      old.parentNode.removeChild(old);
    }
    var all = expanded[key] || entries.length <= FACET_LIMIT + 2;
    entries.forEach(function (entry, i) {
      var value = entry[0];
      var checked = chosen.indexOf(value) >= 0;
      if (!all && i >= FACET_LIMIT && !checked) {
        return;
      }
      var id = "f-" + key + "-" + i;
      var li = el("li");
      var box = el("input");
      box.type = "checkbox";
      box.id = id;
      box.name = key;
      box.value = value;
      box.checked = checked;
      var label = el("label", "", value + " ");
      label.htmlFor = id;
      label.appendChild(el("span", "search-count", "(" + entry[1] + ")"));
      li.appendChild(box);
      li.appendChild(label);
      ul.appendChild(li);
      if (refocus === "v:" + value) {
        box.focus();
      }
    });
    if (entries.length > FACET_LIMIT + 2) {
      var toggle = el(
        "button",
        "search-facet-toggle",
        expanded[key] ? "Show fewer" : "Show all " + entries.length
      );
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", expanded[key] ? "true" : "false");
      toggle.addEventListener("click", function () {
        expanded[key] = !expanded[key];
        renderFacet(fieldset, key, counts);
      });
      fieldset.appendChild(toggle);
      if (refocus === "toggle") {
        toggle.focus();
      }
    }
    fieldset.hidden = entries.length === 0;
  }

  function renderFacets(counts, gen) {
    fieldsets.forEach(function (fieldset, i) {
      renderFacet(fieldset, facets[i], counts[facets[i]] || {});
    });
    clear.hidden = !hasFilters(state.filters);
    counting.hidden = true;
    counted = gen;
  }

  function showMore(gen, focusFirst) {
    var batch = current.results.slice(shown, shown + PAGE_SIZE);
    return Promise.all(batch.map(function (r) { return r.data(); })).then(function (items) {
      if (gen !== generation) {
        return;
      }
      var first = null;
      items.forEach(function (data) {
        var node = resultNode(data);
        first = first || node;
        list.appendChild(node);
      });
      shown += batch.length;
      more.hidden = shown >= current.results.length;
      if (focusFirst && first) {
        first.querySelector("a").focus();
      }
    });
  }

  function fail(error) {
    statusLine.textContent = "";
    statusLine.appendChild(
      document.createTextNode("Search could not be loaded. Browse ")
    );
    var agreements = el("a", "", "all agreements");
    agreements.href = root.getAttribute("data-agreements");
    var partners = el("a", "", "the partner index");
    partners.href = root.getAttribute("data-partners");
    statusLine.appendChild(agreements);
    statusLine.appendChild(document.createTextNode(" or "));
    statusLine.appendChild(partners);
    statusLine.appendChild(document.createTextNode(" instead."));
    if (window.console && error) {
      window.console.warn("search:", error);
    }
  }

  // -- searching -------------------------------------------------------------------

  function run() {
    var gen = ++generation;
    var term = state.q.trim() || null;
    var withCounts = panel.open;
    syncControls();
    return pagefind()
      .then(function (pf) {
        // The filter index, only when the facets are open: results then carry counts.
        var ready = withCounts ? pf.filters() : Promise.resolve(null);
        if (!term && !hasFilters(state.filters)) {
          return ready.then(function (totals) {
            if (gen !== generation) {
              return;
            }
            current = null;
            shown = 0;
            list.textContent = "";
            more.hidden = true;
            if (totals) {
              renderFacets(totals, gen);
            }
            statusLine.textContent = "Type a word or a name to search, or choose a filter.";
          });
        }
        return ready
          .then(function () {
            return pf.search(term, searchOptions(pagefindFilters(state.filters)));
          })
          .then(function (found) {
            if (gen !== generation || !found) {
              return null;
            }
            var counts = withCounts ? facetCounts(pf, term, found) : Promise.resolve(null);
            return counts.then(function (byFacet) {
              if (gen !== generation) {
                return null;
              }
              current = found;
              shown = 0;
              list.textContent = "";
              if (byFacet) {
                renderFacets(byFacet, gen);
              }
              more.hidden = true;
              return showMore(gen, false).then(function () {
                if (gen !== generation) {
                  return;
                }
                // Announced once the results are in the page.
                var n = found.results.length;
                statusLine.textContent = n
                  ? plural(n, "result", "results") + " " + describeQuery() + "."
                  : "No results " + describeQuery() + ". Check the spelling, try fewer or " +
                    "other words, or clear the filters.";
              });
            });
          });
      })
      .catch(fail);
  }

  function searchSoon() {
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(function () {
      commit(false);
      run();
    }, 200);
  }

  input.addEventListener("input", function () {
    state.q = input.value;
    searchSoon();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(typingTimer);
    state.q = input.value;
    commit(true);
    run();
  });

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target === sortSelect) {
      state.sort = sortSelect.value;
    } else if (target.type === "checkbox" && facets.indexOf(target.name) >= 0) {
      var values = (state.filters[target.name] || []).filter(function (v) {
        return v !== target.value;
      });
      if (target.checked) {
        values.push(target.value);
      }
      if (values.length) {
        state.filters[target.name] = values;
      } else {
        delete state.filters[target.name];
      }
    } else {
      return;
    }
    commit(true);
    run();
  });

  clear.addEventListener("click", function () {
    state.filters = {};
    commit(true);
    input.focus();
    run();
  });

  more.addEventListener("click", function () {
    if (current) {
      showMore(generation, true);
    }
  });

  panel.addEventListener("toggle", function () {
    if (panel.open && counted !== generation) {
      run();
    }
  });

  window.addEventListener("popstate", function () {
    state = readState();
    syncControls();
    run();
  });

  syncControls();
  run();
})();
