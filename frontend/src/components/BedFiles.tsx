import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ActionIcon, Anchor, Table } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { api, errorText, unwrap } from "../api/client";
import { Empty, ErrorMessage, Loading } from "./States";
import { bytes, when } from "../lib/format";

export function BedFiles({ bedId }: { bedId: string }) {
  const qc = useQueryClient();
  const files = useQuery({
    queryKey: ["bed", bedId, "files"],
    queryFn: () => unwrap(api.GET("/api/v1/beds/{bed_id}/files", { params: { path: { bed_id: bedId } } })),
  });
  const remove = async (id: string, name: string) => {
    if (!window.confirm(`Delete ${name}?`)) return;
    try {
      await unwrap(api.DELETE("/api/v1/files/{file_id}", { params: { path: { file_id: id } } }));
      await qc.invalidateQueries({ queryKey: ["bed", bedId, "files"] });
    } catch (e) {
      notifications.show({ title: "Could not delete", message: errorText(e), color: "red" });
    }
  };
  if (files.isLoading) return <Loading />;
  if (files.error) return <ErrorMessage error={files.error} />;
  if (!files.data?.data.length) return <Empty>No files yet: generate the bed to export its geometry.</Empty>;
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table aria-label="Files">
        <Table.Thead>
          <Table.Tr><Table.Th>File</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Size</Table.Th><Table.Th>Created</Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {files.data.data.map((f) => (
            <Table.Tr key={f.id}>
              <Table.Td><Anchor href={`/api/v1/files/${f.id}/content`} download={f.filename}>{f.filename}</Anchor></Table.Td>
              <Table.Td>{f.kind}</Table.Td>
              <Table.Td>{bytes(f.size)}</Table.Td>
              <Table.Td>{when(f.created_at)}</Table.Td>
              <Table.Td>
                <ActionIcon variant="subtle" color="red" aria-label={`Delete ${f.filename}`} onClick={() => remove(f.id, f.filename)}>✕</ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
