// The .bed editor (CodeMirror 6), loaded only by the pages that edit a bed.
import { useEffect, useRef } from "react";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching } from "@codemirror/language";
import { autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { linter, lintGutter, type Diagnostic as CmDiagnostic } from "@codemirror/lint";
import { useComputedColorScheme } from "@mantine/core";
import { checkBed, type CheckAnswer } from "../api/web";
import { toRanges } from "./diagnostics";
import { bedCompletion, bedLanguage, vocabularyFromOpenapi, type BedVocabulary } from "./language";

let vocabulary: BedVocabulary | null = null;
let vocabularyLoading: Promise<void> | null = null;
function loadVocabulary() {
  vocabularyLoading ??= fetch("/api/v1/openapi.json", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null))
    .then((doc) => {
      if (doc) vocabulary = vocabularyFromOpenapi(doc);
    })
    .catch(() => undefined);
  return vocabularyLoading;
}

const darkTheme = EditorView.theme(
  { "&": { backgroundColor: "#1a1b1e", color: "#e9ecef" }, ".cm-gutters": { backgroundColor: "#25262b", color: "#909296" } },
  { dark: true },
);

export interface BedEditorProps {
  value: string;
  onChange: (text: string) => void;
  onChecked?: (answer: CheckAnswer | null, error?: unknown) => void;
  filename?: string;
}

export default function BedEditor({ value, onChange, onChecked, filename = "bed.bed" }: BedEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onChecked });
  callbacks.current = { onChange, onChecked };
  const dark = useComputedColorScheme("light") === "dark";

  useEffect(() => {
    void loadVocabulary();
    const serverLint = linter(
      async (v): Promise<CmDiagnostic[]> => {
        const text = v.state.doc.toString();
        try {
          const answer = await checkBed(text, filename);
          callbacks.current.onChecked?.(answer);
          if (v.state.doc.toString() !== text) return [];
          return toRanges(text, answer.diagnostics);
        } catch (e) {
          callbacks.current.onChecked?.(null, e);
          return [];
        }
      },
      { delay: 400 },
    );
    const state = EditorState.create({
      doc: value,
      extensions: [
        lineNumbers(),
        history(),
        highlightActiveLine(),
        bracketMatching(),
        bedLanguage,
        syntaxHighlighting(defaultHighlightStyle),
        autocompletion({ override: [bedCompletion(() => vocabulary)] }),
        lintGutter(),
        serverLint,
        keymap.of([...defaultKeymap, ...historyKeymap, ...completionKeymap]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) callbacks.current.onChange(u.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ "aria-label": ".bed source", "aria-multiline": "true" }),
        ...(dark ? [darkTheme] : []),
      ],
    });
    view.current = new EditorView({ state, parent: host.current! });
    return () => view.current?.destroy();
    // the editor is built once per theme; outside changes of `value` are pushed below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dark]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div ref={host} className="bed-editor" data-testid="bed-editor" style={{ border: "1px solid var(--mantine-color-default-border)", minHeight: 320 }} />;
}
