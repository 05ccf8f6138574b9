/**
 * An options table from a public interface: each property, its type, its default and what it does,
 * read with the TypeScript compiler from the property's declaration and doc comment. A default is
 * whatever the comment says after "Default:" or "Default", up to the end of that sentence.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { escape, table } from './markdown.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let program: ts.Program | undefined;

/** One program over every package's source, with the repository's compiler options and paths. */
function programOfPackages(): ts.Program {
  if (program) return program;
  const configPath = join(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file)) as { config: unknown };
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const roots = parsed.fileNames.filter((file) => /\/packages\/[^/]+\/src\//.test(file));
  program = ts.createProgram(roots, parsed.options);
  return program;
}

function sourceFile(path: string): ts.SourceFile {
  const source = programOfPackages().getSourceFile(path);
  if (!source) throw new Error(`${path.slice(ROOT.length)} is not a package source file`);
  return source;
}

export function optionsTable(file: string, name: string, { ownOnly = false } = {}): string {
  const path = join(ROOT, file);
  const source = sourceFile(path);
  const checker = programOfPackages().getTypeChecker();
  const declaration = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
  );
  if (!declaration) throw new Error(`${file} has no interface ${name}`);
  const type = checker.getTypeAtLocation(declaration);
  const properties = ownOnly
    ? declaration.members.flatMap((member) => {
        const symbol = member.name && checker.getSymbolAtLocation(member.name);
        return symbol ? [symbol] : [];
      })
    : checker.getPropertiesOfType(type);
  const rows = properties.map((property) => {
    const doc = ts
      .displayPartsToString(property.getDocumentationComment(checker))
      .replace(/\s+/g, ' ')
      .trim();
    const decl = property.valueDeclaration ?? property.declarations?.[0];
    const typeText = decl && ts.isPropertySignature(decl) && decl.type ? decl.type.getText() : '';
    const { description, fallback } = splitDefault(doc);
    return [`\`${property.name}\``, `\`${typeText.replace(/\s+/g, ' ')}\``, fallback, description].map(
      escape,
    );
  });
  return table(['option', 'type', 'default', 'what it does'], rows);
}

function splitDefault(doc: string): { description: string; fallback: string } {
  const match = /\s*Default:?\s+(.+?)(?:\.(?=\s|$)|$)/.exec(doc);
  if (!match) return { description: doc.replace(/\{@link (\w+)\}/g, '`$1`'), fallback: '' };
  const description = (doc.slice(0, match.index) + doc.slice(match.index + match[0].length)).trim();
  return {
    description: description.replace(/\{@link (\w+)\}/g, '`$1`'),
    fallback: match[1]!.replace(/\{@link (\w+)\}/g, '`$1`'),
  };
}
